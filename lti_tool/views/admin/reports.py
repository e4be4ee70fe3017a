"""Organisation reports: the district (every course of the deployment) → a school → a
learner or an activity, with CSV and XLSX exports and a school's target dates.

A deployment's (institution or system) administrator sees every school; a course's
Administrator is sent to their own course's report. Every id in a URL is looked up within
that reach (``reports.scope``): another deployment's or course's id is a 404.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Response, abort, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext

from assessments.catalog import list_tracks
from assessments.model import Track
from lti_tool.db import get_session, read_only
from lti_tool.deadlines import set_target_date
from lti_tool.errors import ForbiddenError
from lti_tool.learning import competency_matrix
from lti_tool.models import AccessKind, utcnow
from lti_tool.privacy import access_log
from lti_tool.reports import detail, exports, model, timeline
from lti_tool.reports.credentials import EXPIRING_DAYS, WORDS
from lti_tool.reports.scope import Reach, School, course_of, learner_in_school, school_in_reach
from lti_tool.sessions import required_launch
from lti_tool.settings import current_settings
from lti_tool.views.admin.base import administrator_required, bp

EXPORTS = {
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _tracks() -> tuple[Track, ...]:
    return list_tracks(current_settings().tracks_dir)


def _reach() -> Reach:
    reach = Reach.of(required_launch())
    if reach is None:
        raise ForbiddenError(
            gettext("Reports are for LMS administrators of a course or of the institution."),
            advice=gettext("Open SkillCert from your course as its administrator."),
        )
    return reach


def _school(reach: Reach, context_id: int) -> School:
    school = school_in_reach(get_session(), reach, context_id)
    if school is None:
        abort(404, gettext("There is no such school in the courses you administer."))
    return school


def _report(reach: Reach, school: School | None = None) -> tuple[model.Report, model.Filters]:
    filters = model.Filters.parse(request.args)
    report = model.build(get_session(), reach, _tracks(), filters, utcnow(), school)
    model.check_filters(report, filters)
    return report, filters


def _standing(school: School, shown: model.SchoolReport) -> detail.Standing:
    listed = {person.user_id for person in shown.people}
    return detail.school_standing(
        get_session(), required_launch(), school, shown.plan, _tracks(), listed
    )


def _today() -> dt.date:
    return utcnow().date()


@bp.get("/reports")
@read_only
@administrator_required
def reports() -> ResponseReturnValue:
    reach = _reach()
    if reach.context_id is not None:  # a course's administrator: their course's report
        return redirect(url_for("admin.report_school", context_id=reach.context_id))
    report, filters = _report(reach)
    everyone = [person for school in report.schools for person in school.people]
    weeks = timeline.weeks(everyone, timeline.targets(report.schools), _today())
    return render_template(
        "admin/report_district.html",
        report=report,
        filters=filters,
        statuses=model.STATUSES,
        credential_filters=model.CREDENTIAL_FILTERS,
        weeks=weeks,
        over_time=timeline.completion_chart(weeks),
        by_school=timeline.schools_chart(report),
        expiring_days=EXPIRING_DAYS,
    )


def _school_page(context_id: int, status_code: int = 200, **form: Any) -> ResponseReturnValue:
    reach = _reach()
    school = _school(reach, context_id)
    report, filters = _report(reach, school)
    (shown,) = report.schools
    launch = required_launch()
    standing = _standing(school, shown)
    weeks = timeline.weeks(shown.people, timeline.targets(report.schools), _today())
    return render_template(
        "admin/report_school.html",
        report=shown,
        filters=filters,
        statuses=model.STATUSES,
        credential_filters=model.CREDENTIAL_FILTERS,
        credential_words=WORDS,
        standing=standing,
        weeks=weeks,
        over_time=timeline.completion_chart(weeks),
        may_set_targets=launch.administers_deployment,
        district=reach.context_id is None,
        band=competency_matrix.band,
        form=form,
    ), status_code


@bp.get("/reports/schools/<id:context_id>")
@read_only
@administrator_required
def report_school(context_id: int) -> ResponseReturnValue:
    return _school_page(context_id)


@bp.get("/reports/schools/<id:context_id>/people/<id:user_id>")
@read_only
@administrator_required
def report_person(context_id: int, user_id: int) -> ResponseReturnValue:
    reach = _reach()
    school = _school(reach, context_id)
    session = get_session()
    name = learner_in_school(session, school, user_id)
    if name is None:
        abort(404, gettext("There is no such learner in this school."))
    report, _filters = _report(reach, school)
    (shown,) = report.schools
    lines = detail.person(session, course_of(reach, school), user_id, shown.plan, utcnow())
    return render_template(
        "admin/report_person.html",
        school=school,
        name=name,
        user_id=user_id,
        lines=lines,
        filters=model.Filters(),
    )


@bp.get("/reports/schools/<id:context_id>/activities/<track_id>/<activity_id>")
@read_only
@administrator_required
def report_activity(context_id: int, track_id: str, activity_id: str) -> ResponseReturnValue:
    reach = _reach()
    school = _school(reach, context_id)
    report, filters = _report(reach, school)
    (shown,) = report.schools
    placed = next((p for p in shown.plan if p.key == (track_id, activity_id)), None)
    if placed is None:
        abort(404, gettext("This school does not place that activity."))
    learners = [person.user_id for person in shown.people]
    lines = detail.activity(get_session(), course_of(reach, school), placed, learners, utcnow())
    return render_template(
        "admin/report_activity.html",
        school=school,
        placed=placed,
        people=shown.people,
        lines=lines,
        filters=filters,
    )


@bp.post("/reports/schools/<id:context_id>/links/<id:link_id>/target")
@administrator_required
def report_target(context_id: int, link_id: int) -> ResponseReturnValue:
    """Set (or clear) a placement's target date: a district administrator's choice."""
    launch = required_launch()
    reach = _reach()
    if not launch.administers_deployment:
        raise ForbiddenError(gettext("Only the institution's administrators set target dates."))
    school = _school(reach, context_id)
    text = request.form.get("target_date", "").strip()
    try:
        target = dt.date.fromisoformat(text) if text else None
    except ValueError:
        error = gettext("Give the target date as year-month-day, for example 2027-03-31.")
        return _school_page(context_id, 422, link_id=link_id, target_date=text, error=error)
    if not set_target_date(
        get_session(),
        deployment_id=launch.deployment_id,
        resource_link_id=link_id,
        target=target,
        context_id=school.id,
    ):
        abort(404, gettext("There is no such placement in this school."))
    return redirect(url_for("admin.report_school", context_id=school.id, saved=link_id))


def _export(table: exports.Table, fmt: str, detail_text: str) -> ResponseReturnValue:
    if fmt not in EXPORTS:
        abort(404, gettext("Reports export as CSV or XLSX."))
    # A report names many learners' results: logged as a whole-course export.
    access_log.record(
        get_session(), required_launch(), AccessKind.REPORT_EXPORT, detail=f"{detail_text}.{fmt}"
    )
    body: str | bytes = exports.as_csv(table) if fmt == "csv" else exports.as_xlsx(table)
    name = f"skillcert-{detail_text}.{fmt}"
    return Response(
        body,
        mimetype=EXPORTS[fmt],
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@bp.get("/reports/export.<fmt>")
@read_only
@administrator_required
def report_export(fmt: str) -> ResponseReturnValue:
    reach = _reach()
    if reach.context_id is not None:  # a course's administrator: their course's report
        values: dict[str, Any] = {**request.args.to_dict(), "fmt": fmt}
        values["context_id"] = reach.context_id
        return redirect(url_for("admin.report_school_export", **values))
    report, _filters = _report(reach)
    return _export(exports.district_table(report), fmt, "report-district")


@bp.get("/reports/schools/<id:context_id>/export.<fmt>")
@read_only
@administrator_required
def report_school_export(context_id: int, fmt: str) -> ResponseReturnValue:
    reach = _reach()
    school = _school(reach, context_id)
    report, _filters = _report(reach, school)
    (shown,) = report.schools
    standing = _standing(school, shown)
    return _export(exports.school_table(shown, standing.modules), fmt, f"report-school-{school.id}")
