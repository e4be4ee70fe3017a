"""A report as a spreadsheet, at the level the page shows: the district's per school, a
school's per learner, with the page's filters. CSV or XLSX, the same rows.

Text cells go through ``gradebook.formula_safe`` in both formats: a school's or a learner's
name from the LMS must never run as a formula (CSV injection; openpyxl too stores a string
starting with "=" as a formula). Numbers stay numbers.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence

from flask_babel import gettext
from openpyxl import Workbook

from lti_tool.learning.gradebook import formula_safe
from lti_tool.reports.credentials import WORDS
from lti_tool.reports.model import Report, SchoolReport, Totals

Cell = str | int | float
Table = list[list[Cell]]


def _figures_header() -> list[str]:
    return [
        gettext("Learners"),
        gettext("Complete"),
        gettext("Complete (%)"),
        gettext("Not started"),
        gettext("Activities done"),
        gettext("Activities pending"),
        gettext("Activities overdue"),
        gettext("Learners with overdue work"),
        gettext("Credentials held"),
        gettext("Expiring soon"),
        gettext("Renewed"),
        gettext("Expired"),
    ]


def _figures(totals: Totals) -> list[Cell]:
    return [
        totals.learners,
        totals.complete,
        round(100 * totals.share_complete, 1),
        totals.not_started,
        totals.done,
        totals.pending,
        totals.overdue,
        totals.with_overdue,
        totals.issued,
        totals.expiring,
        totals.renewed,
        totals.expired,
    ]


def district_table(report: Report) -> Table:
    """One row per school, then the district's totals."""
    rows: Table = [[gettext("School"), *_figures_header()]]
    for school in report.schools:
        rows.append([school.school.name, *_figures(school.totals)])
    rows.append([gettext("All schools"), *_figures(report.totals)])
    return rows


def school_table(school: SchoolReport, modules: Mapping[int, tuple[int, int]]) -> Table:
    """One row per learner listed, with their sections, modules and credentials."""
    names = {section.id: section.name for section in school.sections}
    rows: Table = [
        [
            gettext("Learner"),
            gettext("Sections"),
            gettext("Modules complete"),
            gettext("Modules placed"),
            gettext("Activities done"),
            gettext("Activities placed"),
            gettext("Activities pending"),
            gettext("Activities overdue"),
            gettext("Complete"),
            gettext("Credentials"),
        ]
    ]
    for person in school.people:
        complete, placed = modules.get(person.user_id, (0, 0))
        rows.append(
            [
                person.name or gettext("Learner %(id)s", id=person.user_id),
                ", ".join(names[s] for s in person.sections if s in names),
                complete,
                placed,
                person.done,
                person.placed,
                person.pending,
                person.overdue,
                gettext("yes") if person.complete else gettext("no"),
                ", ".join(str(WORDS[standing]) for standing in person.credentials),
            ]
        )
    return rows


def _safe(row: Sequence[Cell]) -> list[Cell]:
    return [formula_safe(cell) if isinstance(cell, str) else cell for cell in row]


def as_csv(table: Table) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    for row in table:
        writer.writerow(_safe(row))
    return out.getvalue()


def as_xlsx(table: Table) -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet("Report")
    for row in table:
        sheet.append(_safe(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
