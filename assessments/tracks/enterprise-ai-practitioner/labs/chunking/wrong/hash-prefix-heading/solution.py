"""Wrong solution (hash-prefix-heading): any line starting with "#" is a heading, so "#tag" lines and "C# ##" titles go wrong and underlined headings are missed."""


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
    for section, words in paragraphs(text):
        start = 0
        while True:
            chunks.append({"section": section, "text": " ".join(words[start : start + max_words])})
            if start + max_words >= len(words):
                break
            start += max_words - overlap
    return chunks
