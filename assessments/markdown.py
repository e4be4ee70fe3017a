"""Author Markdown → safe HTML: markdown-it-py renders, nh3 (ammonia) sanitises.

Content is written by trusted authors, but it is still sanitised on the way in: a pasted
``<script>`` or ``javascript:`` link must never reach a learner's page. The result is a
``SafeHtml`` string whose ``__html__`` tells Jinja (and MarkupSafe) it needs no escaping.
"""

from __future__ import annotations

import functools
import html
import re
from html.parser import HTMLParser

import nh3
from markdown_it import MarkdownIt
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import get_lexer_by_name
from pygments.util import ClassNotFound


def _highlight(code: str, language: str, _attributes: str) -> str:
    """Fenced code in a known language, coloured by Pygments (CSS classes, no inline
    styles, so the page's Content Security Policy needs no 'unsafe-inline')."""
    try:
        lexer = get_lexer_by_name(language) if language else None
    except ClassNotFound:
        lexer = None
    if lexer is None:
        return ""  # markdown-it escapes and wraps the code itself
    html: str = highlight(code, lexer, _FORMATTER)  # Pygments is untyped: it returns Any
    return html


_FORMATTER = HtmlFormatter(nowrap=True)
_MD = MarkdownIt("commonmark", {"html": True, "highlight": _highlight}).enable(
    ["table", "strikethrough"]
)

_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "del", "em", "h1", "h2", "h3",
    "h4", "h5", "h6", "hr", "i", "img", "kbd", "li", "ol", "p", "pre", "s", "span", "strong",
    "sub", "sup", "table", "tbody", "td", "th", "thead", "tr", "ul",
}  # fmt: skip
_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title"},
    "code": {"class"},  # language-xyz from fenced code blocks
    "span": {"class"},  # Pygments' token classes
    "td": {"align"},
    "th": {"align"},
    "ol": {"start"},
}


class SafeHtml(str):
    """HTML that has been sanitised; templates may insert it as is."""

    __slots__ = ()

    def __html__(self) -> str:
        return self


_CLEANER = nh3.Cleaner(
    tags=_TAGS,
    attributes=_ATTRIBUTES,
    url_schemes={"http", "https", "mailto"},
    link_rel="noopener noreferrer",
)

#: Text without any of these renders to itself, escaped: no need to run the parser.
#: (Rendering is ~150 µs a call; most choices and short stems are plain text.)
_INLINE_SYNTAX = re.compile(r"[\\`*_\[\]<>&!~|]|  $|https?:|www\.|@")
_BLOCK_SYNTAX = re.compile(r"[\\`*_\[\]<>&!~|#=+\-\n\r\t]|^\s|\s$|^\d+[.)]|https?:|www\.|@")


def sanitise(html_text: str) -> SafeHtml:
    """Keep only harmless tags, attributes and URL schemes."""
    return SafeHtml(_CLEANER.clean(html_text))


@functools.lru_cache(maxsize=4096)
def render(text: str) -> SafeHtml:
    """Render a Markdown document (lesson prose, item stems, debriefs)."""
    if not text:
        return SafeHtml("")
    if _BLOCK_SYNTAX.search(text) is None:
        return SafeHtml(f"<p>{html.escape(text, quote=False)}</p>\n")
    return sanitise(_MD.render(text))


@functools.lru_cache(maxsize=4096)
def render_inline(text: str) -> SafeHtml:
    """Render one line of Markdown without a surrounding paragraph (choices, rationales)."""
    if _INLINE_SYNTAX.search(text) is None:
        return SafeHtml(html.escape(text, quote=False))
    return sanitise(_MD.renderInline(text))


_IMAGE_SYNTAX = re.compile(r"!\[|<img", re.IGNORECASE)


def images_without_alt(text: str) -> list[tuple[int, str]]:
    """``(line, src)`` of each image in Markdown ``text`` that has no alt text.

    Screen-reader users learn what an image shows only from its alt text, so content must
    give it. Both Markdown images (``![](x.png)``) and raw ``<img>`` tags are checked; lines
    count from 1 at the start of ``text``.
    """
    if _IMAGE_SYNTAX.search(text) is None:
        return []
    missing: list[tuple[int, str]] = []
    for block in _MD.parse(text):
        line = block.map[0] + 1 if block.map else 1
        if block.type == "html_block":
            missing += _html_images_without_alt(block.content, line)
        for token in block.children or ():
            if token.type in ("softbreak", "hardbreak"):
                line += 1
            elif token.type == "image" and not token.content.strip():
                missing.append((line, str(token.attrGet("src") or "")))
            elif token.type == "html_inline":
                missing += _html_images_without_alt(token.content, line)
    return missing


class _ImageFinder(HTMLParser):
    """Collects ``<img>`` tags whose ``alt`` is missing or blank, with their line."""

    def __init__(self) -> None:
        super().__init__()
        self.missing: list[tuple[int, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "img" and not (values.get("alt") or "").strip():
            self.missing.append((self.getpos()[0], values.get("src") or ""))


def _html_images_without_alt(fragment: str, first_line: int) -> list[tuple[int, str]]:
    finder = _ImageFinder()
    finder.feed(fragment)
    finder.close()
    return [(first_line + line - 1, src) for line, src in finder.missing]
