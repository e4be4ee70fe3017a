"""The checks the page tours rely on find what they must, and only that: the reflow check
(tests/browser.py) in Chromium on pages made for the purpose, the language check
(tests/language_check.py) on plain strings."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests import browser as browser_tools
from tests.language_check import english_outside_lang_en

# -- reflow at 320 px -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def narrow_page() -> Iterator:
    with browser_tools.chromium() as browser:
        page = browser.new_page(viewport=browser_tools.NARROW)
        yield page


def reflow(page, body: str, head: str = "") -> list[str]:
    page.set_content(
        f"<!doctype html><html lang=en><head>{head}"
        "<meta name=viewport content='width=device-width'></head>"
        f"<body>{body}</body></html>"
    )
    return browser_tools.reflow_problems(page)


@pytest.mark.browser
def test_a_wide_pre_is_reported_with_its_width(narrow_page):
    code = "x = " + "1234567890 " * 12
    found = reflow(narrow_page, f'<pre style="white-space:pre; width:600px">{code}</pre>')
    assert any(p.startswith("the page is wider than the window: ") for p in found), found
    (element,) = [p for p in found if p.startswith("<pre>")]
    assert "sticks out of the 320 px window: 600 px wide" in element
    assert len(found) == 2  # the pre, not each of its parents or children as well


@pytest.mark.browser
def test_what_reflows_or_hides_on_purpose_is_not_reported(narrow_page):
    fitting = (
        "<p>Short text that wraps in the window as any paragraph does.</p>"
        '<a class="skip" href="#main" style="position:absolute; left:-10000px">Skip</a>'
        '<span style="position:absolute; width:1px; height:1px; overflow:hidden;'
        ' clip:rect(0 0 0 0); white-space:nowrap">' + "screen readers only " * 20 + "</span>"
        '<div style="display:none; width:900px">hidden</div>'
        '<textarea style="width:100%" wrap="off">' + "long_code_line() " * 20 + "</textarea>"
    )
    assert reflow(narrow_page, fitting) == []


@pytest.mark.browser
def test_a_word_longer_than_the_window_is_reported_at_its_element(narrow_page):
    head = "<style>h1 { font-size: 3rem }</style>"
    (page, word) = reflow(narrow_page, "<main><h1>Accommodations</h1></main>", head)
    assert page.startswith("the page is wider than the window: ")
    assert word.startswith('<h1> "Accommodations": its text runs past the 320 px window (8 to ')
    long_url = "https://example.org/" + "a" * 80
    found = reflow(narrow_page, f"<p>Share <span>{long_url}</span></p>")
    assert any(p.startswith('<span> "https://example.org/aaa') for p in found), found
    wrapped = f'<p>Share <span style="overflow-wrap:anywhere">{long_url}</span></p>'
    assert reflow(narrow_page, wrapped) == []


def scrolling(table: str, attributes: str) -> str:
    return f'<div style="overflow-x:auto" {attributes}>{table}</div>'


@pytest.mark.browser
def test_a_wide_table_must_scroll_inside_a_labelled_focusable_region(narrow_page):
    table = "<table><caption id=c>Results</caption><tr>" + "<td>cell&nbsp;text</td>" * 12
    table += "</tr></table>"
    labelled = scrolling(table, 'role="region" aria-labelledby="c" tabindex="0"')
    assert reflow(narrow_page, labelled) == []
    named = scrolling(table, 'role="region" aria-label="Results" tabindex="0"')
    assert reflow(narrow_page, named) == []

    (bare,) = reflow(narrow_page, scrolling(table, ""))
    assert "scrolls sideways" in bare
    assert 'role="region", a name (aria-label or aria-labelledby), tabindex="0"' in bare
    (found,) = reflow(narrow_page, scrolling(table, 'role="region" aria-label="Results"'))
    assert found.endswith('lacks tabindex="0"')
    dangling = scrolling(table, 'role="region" aria-labelledby="gone" tabindex="0"')
    (found,) = reflow(narrow_page, dangling)
    assert found.endswith("lacks a name (aria-label or aria-labelledby)")
    unscrolled = reflow(narrow_page, table)
    assert any("<table>" in p and "sticks out" in p for p in unscrolled), unscrolled


@pytest.mark.browser
def test_content_cut_off_is_reported_even_when_the_page_does_not_scroll(narrow_page):
    head = "<style>body { overflow-x: hidden; margin: 0 }</style>"
    found = reflow(narrow_page, '<div style="width:500px">A banner too wide</div>', head)
    assert any("sticks out of the 320 px window: 500 px wide" in p for p in found), found
    clipped = '<div style="overflow:hidden; width:200px"><span style="white-space:nowrap">'
    clipped += "a sentence that goes on well past two hundred pixels</span></div>"
    (found,) = reflow(narrow_page, clipped)
    assert "cuts off its content" in found


# -- the language of every text -------------------------------------------------------------


def spanish(body: str) -> str:
    head = "<head><title>The title</title></head>"
    return f'<!doctype html><html lang="es">{head}<body>{body}</body></html>'


def test_english_text_in_a_spanish_page_is_found():
    (found,) = english_outside_lang_en(spanish("<main><p>Sus rutas</p><p>the end</p></main>"))
    assert found == "<p> lang=es: the end"


def test_english_in_read_aloud_attributes_is_found():
    (found,) = english_outside_lang_en(spanish('<img alt="Show the badge" src="b.svg">'))
    assert found.startswith("<img alt> lang=es")
    (found,) = english_outside_lang_en(spanish('<button aria-label="Next step">→</button>'))
    assert found.startswith("<button aria-label> lang=es")


def test_english_marked_or_unknown_or_code_is_not_judged():
    page = spanish(
        '<p>Ruta: <span lang="en">Evaluate a model for your team</span></p>'
        '<div lang="en-GB"><p>What the model sees</p></div>'
        '<p>Curso: <span lang="">Intro to AI</span></p>'
        "<pre>for the_row in rows: pass</pre><code>is_not</code>"
        "<textarea>the answer</textarea><kbd>Tab</kbd>"
        "<script>const theList = [];</script>"
    )
    assert english_outside_lang_en(page) == []


def test_spanish_inside_english_content_and_back_is_judged_by_the_nearest_lang():
    page = spanish('<div lang="en"><p>The track</p><p lang="es">Lo que falta and so on</p></div>')
    (found,) = english_outside_lang_en(page)
    assert found == "<p> lang=es: Lo que falta and so on"


def test_a_page_without_lang_is_judged_as_not_english():
    (found,) = english_outside_lang_en("<html><body><p>Your attempts</p></body></html>")
    assert found == "<p> lang=(none): Your attempts"


def test_unclosed_paragraphs_and_void_elements_keep_the_language_right():
    page = spanish('<div lang="en"><p>One<p>Two<br>three</div><p>Fin<img alt="x"><p>the end')
    (found,) = english_outside_lang_en(page)
    assert found == "<p> lang=es: the end"


def test_button_values_option_labels_and_svg_titles_are_judged():
    (found,) = english_outside_lang_en(spanish('<input type="submit" value="Save the choices">'))
    assert found.startswith("<input value> lang=es")
    assert english_outside_lang_en(spanish('<input type="text" value="the answer">')) == []
    (found,) = english_outside_lang_en(spanish('<select><optgroup label="Your tracks">'))
    assert found.startswith("<optgroup label> lang=es")
    chart = '<svg role="img"><title>Scores of the quiz</title><rect><title>7</title></rect></svg>'
    (found,) = english_outside_lang_en(spanish(chart))
    assert found == "<title> lang=es: Scores of the quiz"
