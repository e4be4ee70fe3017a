"""The gradebook table's body, written as HTML in Python.

A class of 1,000 learners by 50 activities has 50,000 cells. Through Jinja, each cell's
expressions, filters and escaping took about half a second; here each row is put together
from format strings, with every piece of text escaped, and the template writes the rows.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from babel import Locale
from babel.numbers import get_decimal_symbol
from flask_babel import get_locale, gettext
from markupsafe import Markup, escape

from lti_tool.learning.gradebook import Gradebook, status_text
from lti_tool.learning.standing import COMPLETE, CREDENTIAL_WORDS, UNIT_WORDS


def _percent_format() -> Callable[[float], str]:
    """A score from 0 to 1 as a percentage with one decimal in the page's locale ("72.5%",
    "72,5 %"), as the ``percent`` filter writes it, at string-formatting speed: the
    locale's symbols are looked up once, not per cell (scores need no grouping)."""
    locale = get_locale() or Locale.parse("en")
    pattern = locale.percent_formats[None]
    point = get_decimal_symbol(locale)
    before, after = pattern.prefix[0], pattern.suffix[0]
    return lambda score: before + f"{score * 100:.1f}".replace(".", point) + after


def _status(status: str, attempts: int) -> str:
    return f'<span class="meta">{escape(status_text(status, attempts))}</span>'


def _worded(words: dict[str, object], strong: str) -> dict[str, str]:
    """Each status as a table cell, written once; ``strong`` stands out (in bold and in
    words, not by colour alone)."""
    return {
        key: f"<td><strong>{escape(str(text))}</strong></td>"
        if key == strong
        else f"<td>{escape(str(text))}</td>"
        for key, text in words.items()
    }


def body_rows(book: Gradebook, column_links: Sequence[tuple[str, str]]) -> list[Markup]:
    """One ``<tr>`` per learner; a cell with work links to it (and says "Overdue" where it
    is), then the learner's module and track statuses and credentials.

    ``column_links`` holds, per column, the learner-work URL split where the learner's id
    goes (built once per column, not per cell).
    """
    links = [(escape(before), escape(after)) for before, after in column_links]
    # A handful of (status, attempts) pairs fill the whole table: each is written once.
    statuses: dict[tuple[str, int], str] = {}
    units = _worded(dict(UNIT_WORDS), COMPLETE)
    credentials = _worded(dict(CREDENTIAL_WORDS), "active")
    percent = _percent_format()
    overdue = f'<br><strong class="overdue">{escape(gettext("Overdue"))}</strong>'
    rows = []
    for row in book.rows:
        cells = []
        for index, ((score, attempts, status), (before, after)) in enumerate(
            zip(row.cells, links, strict=True)
        ):
            text = statuses.get((status, attempts))
            if text is None:
                text = statuses[status, attempts] = _status(status, attempts)
            if index in row.overdue:
                text += overdue
            if score is not None:
                text = f"<strong>{percent(score)}</strong><br>{text}"
            if attempts:
                text = f'<a href="{before}{row.user_id}{after}">{text}</a>'
            cells.append(f"<td>{text}</td>")
        cells += [units[status] for status in row.units]
        cells += [credentials[state] for state in row.credentials]
        row_html = f'<tr><th scope="row" lang="">{escape(row.name)}</th>{"".join(cells)}</tr>'
        rows.append(Markup(row_html))  # noqa: S704 (every piece of text is escaped above)
    return rows
