"""Wrong solution (headings-inside-code): parses headings line by line and never notices a
fenced code block, so a "# comment" in a shell snippet starts a new section.
"""

import re

# CommonMark ATX heading: up to 3 spaces, 1-6 '#', then a space/tab or the end of the line.
ATX = re.compile(r"^ {0,3}#{1,6}(?:[ \t]+(.*))?$")
# An optional closing run of '#', preceded by a space or tab (or making up the whole text).
CLOSING = re.compile(r"(?:^|[ \t])#+[ \t]*$")
# A setext underline: a run of '=' or '-' under paragraph text turns that text into a heading.
UNDERLINE = re.compile(r"^ {0,3}(?:=+|-+)[ \t]*$")


def atx_title(line):
    """The heading text of an ATX heading line, or None when the line is not one."""
    match = ATX.match(line)
    if match is None:
        return None
    return CLOSING.sub("", match.group(1) or "").strip()


def paragraphs(text):
    """Yield (section, words) for each paragraph; headings set the section and end a paragraph."""
    section, words = "", []
    for line in text.splitlines():
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
