"""Wrong solution (crosses-paragraphs): windows over the whole document, so chunks mix unrelated paragraphs."""


def paragraphs(text):
    """Yield (section, words) for each paragraph; headings set the section and end a paragraph."""
    section, words = "", []
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("#"):
            if words:
                yield section, words
            section, words = stripped.lstrip("#").strip(), []
        elif not stripped:
            if words:
                yield section, words
            words = []
        else:
            words.extend(stripped.split())
    if words:
        yield section, words


def chunk(text, max_words, overlap):
    if not 0 <= overlap < max_words:
        raise ValueError("overlap must be at least 0 and smaller than max_words")
    chunks = []
    pieces = list(paragraphs(text))
    for section, words in ([(pieces[0][0], [w for _, ws in pieces for w in ws])] if pieces else []):
        start = 0
        while True:
            chunks.append({"section": section, "text": " ".join(words[start : start + max_words])})
            if start + max_words >= len(words):
                break
            start += max_words - overlap
    return chunks
