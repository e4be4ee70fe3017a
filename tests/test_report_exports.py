"""Organisation reports as CSV and XLSX: the rows of the page, its filters, cells that
cannot run as formulas, and an access-log entry for each download."""

from __future__ import annotations

import csv
import io

from openpyxl import load_workbook
from sqlalchemy import select

from lti_tool.db import transaction
from lti_tool.models import AccessKind, AccessLogEntry
from tests import test_reports
from tests.test_reports import context_id

district = test_reports.district  # the fixture: three schools, their learners and work


def csv_rows(response) -> list[list[str]]:
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "text/csv"
    return list(csv.reader(io.StringIO(response.get_data(as_text=True))))


def xlsx_rows(response) -> list[list[object]]:
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype.endswith("spreadsheetml.sheet")
    sheet = load_workbook(io.BytesIO(response.get_data())).active
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def test_district_export_has_a_row_per_school_and_the_totals(district):
    rows = csv_rows(district.get("/admin/reports/export.csv"))
    assert rows[0][:4] == ["School", "Learners", "Complete", "Complete (%)"]
    by_school = {row[0]: row[1:] for row in rows[1:]}
    # Learners, complete, %, not started, done, pending, overdue, with overdue, held, due.
    assert by_school["Adams Elementary"][:10] == [
        "3",
        "1",
        "33.3",
        "1",
        "4",
        "5",
        "0",
        "0",
        "1",
        "0",
    ]
    assert by_school["Baker Middle"][:10] == ["2", "1", "50.0", "0", "1", "1", "0", "0", "1", "1"]
    assert by_school["All schools"][:6] == ["6", "2", "33.3", "2", "5", "9"]

    sheet = xlsx_rows(district.get("/admin/reports/export.xlsx"))
    assert sheet[0][0] == "School"
    xlsx_by_school = {row[0]: row[1:] for row in sheet[1:]}
    assert xlsx_by_school["Adams Elementary"][:6] == [3, 1, 33.3, 1, 4, 5]  # numbers stay numbers
    assert xlsx_by_school["All schools"][0] == 6


def test_school_export_lists_learners_with_the_filters_applied(district):
    adams = context_id(district.application, "school-a")
    rows = csv_rows(district.get(f"/admin/reports/schools/{adams}/export.csv"))
    header, people = rows[0], {row[0]: dict(zip(rows[0], row, strict=True)) for row in rows[1:]}
    assert header[:4] == ["Learner", "Sections", "Modules complete", "Modules placed"]
    assert set(people) == {"Ada Adams", "Bob Adams", "Cy Adams"}
    assert people["Ada Adams"]["Activities done"] == "3"
    assert people["Ada Adams"]["Modules complete"] == "1"
    assert people["Ada Adams"]["Credentials"] == "active"
    assert people["Bob Adams"]["Sections"] == "Period 1"
    assert people["Bob Adams"]["Activities pending"] == "2"

    filtered = xlsx_rows(
        district.get(f"/admin/reports/schools/{adams}/export.xlsx?status=completed")
    )
    assert [row[0] for row in filtered[1:]] == ["Ada Adams"]


def test_names_never_run_as_formulas(district):
    carver = context_id(district.application, "school-c")
    rows = csv_rows(district.get(f"/admin/reports/schools/{carver}/export.csv"))
    assert rows[1][0] == "'=SUM(1)"
    sheet = xlsx_rows(district.get(f"/admin/reports/schools/{carver}/export.xlsx"))
    assert sheet[1][0] == "'=SUM(1)"


def test_each_export_is_in_the_access_log_and_a_bad_format_is_not_found(district):
    adams = context_id(district.application, "school-a")
    district.get("/admin/reports/export.csv")
    district.get(f"/admin/reports/schools/{adams}/export.xlsx")
    assert district.get("/admin/reports/export.pdf").status_code == 404
    with transaction(district.application) as session:
        entries = session.scalars(
            select(AccessLogEntry).where(AccessLogEntry.kind == AccessKind.REPORT_EXPORT)
        ).all()
        assert sorted(entry.detail for entry in entries) == [
            "report-district.csv",
            f"report-school-{adams}.xlsx",
        ]
        assert all(entry.learner_id is None for entry in entries)
    log = district.get("/admin/privacy/access-log")
    assert log.status_code == 200
    assert "Report downloaded" in log.get_data(as_text=True)
