"""English text a page presents as another language (WCAG 3.1.1 and 3.1.2).

A Spanish page must say everything in Spanish, and mark each piece of content that is still
in English (an untranslated activity, a track's title) with ``lang="en"``. This finds the
text whose language, as a screen reader would take it from the nearest ``lang``, is not
English but which holds English marker words: a string that escaped gettext, or English
content left unmarked. Text in ``lang=""`` (language unknown: what the LMS names, what people
write) is not judged. Code (``pre``, ``code``, ``textarea``, scripts) is not prose and is
left out, as are the document's ``<title>`` and the attributes no one reads aloud.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

#: Common English words that no Spanish sentence uses.
ENGLISH_MARKERS = frozenset(
    [
        "the",
        "and",
        "your",
        "you",
        "with",
        "this",
        "that",
        "what",
        "which",
        "are",
        "is",
        "not",
        "of",
        "to",
        "for",
        "points",
        "point",
        "passed",
        "failed",
        "attempt",
        "attempts",
        "submitted",
        "graded",
        "grading",
        "start",
        "next",
        "step",
        "back",
        "show",
        "hide",
    ]
)
_WORD = re.compile(r"[A-Za-z]+")
#: Elements whose text is not prose in any language.
_CODE = {"pre", "code", "textarea", "script", "style", "kbd", "samp"}
#: Attributes read aloud or shown as text (``label`` names an <optgroup> or <option>).
_READ_ATTRIBUTES = ("alt", "title", "aria-label", "placeholder", "aria-description", "label")
#: <input> types whose ``value`` is the button's text.
_BUTTON_INPUTS = {"submit", "button", "reset"}
_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source"}
_VOID |= {"track", "wbr"}


class _LanguageWalker(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        # (tag, lang, skipped): lang None when no element set one; skipped for code and
        # for text in an unknown language (lang="").
        self.stack: list[tuple[str, str | None, bool]] = [("", None, False)]
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        lang = values.get("lang", self.stack[-1][1])
        skipped = self.stack[-1][2] or tag in _CODE or lang == "" or self._page_title(tag)
        if not skipped:
            read = [name for name in _READ_ATTRIBUTES if name in values]
            if tag == "input" and values.get("type", "").lower() in _BUTTON_INPUTS:
                read.append("value")
            for name in read:
                self._check(values[name], f"<{tag} {name}>", lang)
        if tag not in _VOID:
            self.stack.append((tag, lang, skipped))

    def _page_title(self, tag: str) -> bool:
        """The document's <title>, which cannot hold a ``lang`` of its own (a page titled by
        English content is named in English); an SVG's <title> is its accessible name."""
        return tag == "title" and all(open_tag != "svg" for open_tag, _, _ in self.stack)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in _VOID:
            self.stack.pop()

    def handle_endtag(self, tag: str) -> None:
        # Close up to the matching tag; HTML lets some end tags be left out.
        for depth in range(len(self.stack) - 1, 0, -1):
            if self.stack[depth][0] == tag:
                del self.stack[depth:]
                return

    def handle_data(self, data: str) -> None:
        if not self.stack[-1][2]:
            self._check(data, f"<{self.stack[-1][0]}>", self.stack[-1][1])

    def _check(self, text: str, where: str, lang: str | None) -> None:
        if (lang or "").split("-")[0].lower() == "en":
            return
        words = {w.lower() for w in _WORD.findall(text)}
        if words & ENGLISH_MARKERS:
            self.found.append(f"{where} lang={lang or '(none)'}: {' '.join(text.split())[:120]}")


def english_outside_lang_en(html: str) -> list[str]:
    """Text and read-aloud attributes with English marker words, outside any ``lang="en"``."""
    walker = _LanguageWalker()
    walker.feed(html)
    walker.close()
    return walker.found
