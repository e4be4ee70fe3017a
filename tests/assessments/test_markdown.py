"""Markdown renders with markdown-it-py and never lets unsafe HTML through."""

from __future__ import annotations

import pytest

from assessments.markdown import _MD, SafeHtml, render, render_inline, sanitise


@pytest.mark.parametrize(
    "attack",
    [
        "<script>alert(1)</script>",
        '<img src=x onerror="alert(1)">',
        "[click](javascript:alert(1))",
        '<a href="javascript:alert(1)">x</a>',
        "<iframe src='https://evil.example'></iframe>",
        '<p style="position:fixed">x</p>',
    ],
)
def test_unsafe_html_is_removed(attack: str) -> None:
    for html in (render(attack), render_inline(attack)):
        assert isinstance(html, SafeHtml) and html.__html__() == html
        for marker in ("<script", "onerror", 'href="javascript', "<iframe", "style="):
            assert marker not in html.lower()


def test_markdown_features_survive() -> None:
    html = render("# T\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n```python\nx = 1\n```\n")
    assert "<h1>T</h1>" in html and "<td>1</td>" in html
    assert '<code class="language-python">' in html


@pytest.mark.parametrize(
    "text",
    [
        "Plain words",
        "It's 5 o'clock, \"quoted\"",
        "a.b (c) d; e: f?",
        "Tom & Jerry",
        "x > 3",
        "50%",
    ],
)
def test_the_plain_text_shortcut_matches_the_full_renderer(text: str) -> None:
    assert render(text) == sanitise(_MD.render(text))
    assert render_inline(text) == sanitise(_MD.renderInline(text))


def test_fenced_code_is_highlighted_with_classes_only() -> None:
    html = render("```python\nprint('hi')  # greet\n```\n")
    assert '<span class="nb">print</span>' in html
    assert '<span class="c1"># greet</span>' in html
    assert "style=" not in html  # colours come from static CSS, so CSP needs no inline styles


def test_code_in_an_unknown_language_is_escaped_not_run() -> None:
    html = render("```nosuchlanguage\n<script>alert(1)</script>\n```\n")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script>" not in html
