"""Reference solution: paragraph-bounded sliding windows that carry their Markdown section heading."""

import re

# CommonMark ATX heading: up to 3 spaces, 1-6 '#', then a space/tab or the end of the line.
ATX = re.compile(r"^ {0,3}#{1,6}(?:[ \t]+(.*))?$")
# An optional closing run of '#', preceded by a space or tab (or making up the whole text).
CLOSING = re.compile(r"(?:^|[ \t])#+[ \t]*$")
# A setext underline: a run of '=' or '-' under paragraph text turns that text into a heading.
UNDERLINE = re.compile(r"^ {0,3}(?:=+|-+)[ \t]*$")
# A code fence: three or more backticks (with no backtick after them: "```x``` text" is
# inline code) or tildes. Nothing inside a fenced block is a heading.
FENCE = re.compile(r"^ {0,3}(`{3,}(?=[^`]*$)|~{3,})")


def atx_title(line):
    """The heading text of an ATX heading line, or None when the line is not one."""
    match = ATX.match(line)
    if match is None:
        return None
    return CLOSING.sub("", match.group(1) or "").strip()


def closing_fence(opening):
    """What closes a block: the opening's character, at least as many times, nothing else."""
    return re.compile(r" {0,3}" + re.escape(opening[:1]) + "{%d,}[ \t]*" % len(opening))


def paragraphs(text):
    """Yield (section, words) for each paragraph; headings set the section and end a paragraph.
    A fenced code block is a paragraph of its own, blank lines and all."""
    section, words, closing = "", [], None
    for line in text.splitlines():
        if closing is not None:  # inside a fenced code block
            if closing.fullmatch(line):
                if words:
                    yield section, words
                words, closing = [], None
            else:
                words.extend(line.split())
            continue
        opening = FENCE.match(line)
        if opening:
            if words:
                yield section, words
            words, closing = [], closing_fence(opening.group(1))
            continue
        title = atx_title(line)
        if title is not None:
            if words:
                yield section, words
            section, words = title, []
        elif words and UNDERLINE.match(line):
            section, words = " ".join(words), []
        elif line.strip():
            words.extend(line.split())
        else:
            if words:
                yield section, words
            words = []
    if words:
        yield section, words


def chunk(text, max_words, overlap):
    chunks = []
    for section, words in paragraphs(text):
        start = 0
        while True:
            chunks.append({"section": section, "text": " ".join(words[start : start + max_words])})
            if start + max_words >= len(words):
                break
            start += max_words - overlap
    return chunks
