"""Every relative link and image in the README and docs/ points at a file that exists:
the district and university walk-throughs show screenshots, and a renamed page must not
leave a broken link behind."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
#: [text](target) and ![alt](target), without a scheme (http:, mailto:) or a bare anchor.
LINK = re.compile(r"!?\[[^\]]*\]\((?![a-z]+:|#)([^)\s]+)\)")
#: Fenced blocks and code spans show link syntax as examples (the authoring guide).
CODE = re.compile(r"```.*?```|`[^`]*`", re.DOTALL)


def _documents() -> list[Path]:
    return [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]


def test_every_relative_link_and_image_in_the_docs_exists() -> None:
    broken = [
        f"{document.relative_to(ROOT)}: {target}"
        for document in _documents()
        for target in LINK.findall(CODE.sub("", document.read_text(encoding="utf-8")))
        if not (document.parent / target.split("#", 1)[0]).exists()
    ]
    assert broken == []


def test_the_walk_throughs_show_their_screenshots() -> None:
    for name in ("districts.md", "universities.md"):
        images = re.findall(
            r"!\[[^\]]+\]\((images/[^)]+\.png)\)", (ROOT / "docs" / name).read_text()
        )
        assert len(images) >= 5, name
