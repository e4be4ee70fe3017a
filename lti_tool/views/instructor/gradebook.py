"""The gradebook: every learner's standing, as a page and as CSV, and one learner's work."""

from __future__ import annotations

from flask import Response, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import format_percent, gettext
from flask_babel import lazy_gettext as _l

from assessments.model import Activity, Module
from lti_tool.db import get_session, read_only
from lti_tool.errors import SkillCertError
from lti_tool.i18n import lab_words
from lti_tool.learning import (
    charts,
    gradebook,
    project_files,
    work_review,
)
from lti_tool.lti.sections import course_sections
from lti_tool.models import AccessKind, CourseSection
from lti_tool.placements import resolve
from lti_tool.privacy import access_log
from lti_tool.sessions import instructor_required, required_launch
from lti_tool.views.instructor import gradebook_table
from lti_tool.views.instructor.base import (
    PlacementError,
    activity_or_404,
    bp,
    served_tracks,
)

#: Stands for a learner's id in gradebook links built once per column.
LEARNER_PLACEHOLDER = 999_999_999


class UnknownSectionError(SkillCertError):
    """The section asked for is not one of this course's."""

    status_code = 404
    default_message = _l("That section is not in this course.")
    advice = _l("Go back to the gradebook and choose a section from its list.")


def _sections() -> tuple[list[CourseSection], int | None, bool]:
    """The course's sections, the one ``?section=`` asks for (None: all), and whether it
    asked for one this course does not have."""
    launch = required_launch()
    listed = (
        list(course_sections(get_session(), launch.context_id))
        if launch.context_id is not None
        else []
    )
    asked = request.args.get("section", "")
    if not asked:
        return listed, None, False
    chosen = next((s.id for s in listed if str(s.id) == asked), None)
    return listed, chosen, chosen is None


@bp.get("/gradebook")
@read_only
@instructor_required
def gradebook_page() -> ResponseReturnValue:
    sections, section, unknown = _sections()
    whole = gradebook.build(get_session(), required_launch(), served_tracks(), section=section)
    status, sort, descending = _arrangement()
    book = gradebook.arranged(whole, status, sort, descending)
    # One url_for per column, not per cell (50,000 cells).
    column_links = [_learner_link(column) for column in book.columns]
    bins = [
        f"{format_percent(low / 100)}\u2013{format_percent((low + 10) / 100)}"
        for low in range(0, 100, 10)
    ]
    # One histogram at a time (the activity chosen, else the first with counted scores):
    # fifty charts would cost the page more than the table's new columns.
    counts = gradebook.distributions(whole)
    charted = [index for index, found in enumerate(counts) if any(found)]
    chosen = request.args.get("chart", type=int)
    shown = chosen if chosen in charted else (charted[0] if charted else None)
    chart = None if shown is None else charts.histogram(counts[shown], bins)
    return render_template(
        "instructor/gradebook.html",
        launch=required_launch(),
        book=book,
        whole=whole,
        body_rows=gradebook_table.body_rows(book, column_links),
        status=status if status in gradebook.FILTERS else "",
        filters=gradebook.FILTER_WORDS,
        sort=sort if sort in gradebook.sort_keys(book) else "name",
        descending=descending,
        sort_keys=gradebook.sort_keys(book),
        charted=charted,
        shown=shown,
        chart=chart,
        sections=sections,
        section=section,
        unknown_section=unknown,
    ), (404 if unknown else 200)


def _arrangement() -> tuple[str, str, bool]:
    """The filter and sort the query asks for: ``status``, ``sort`` and ``order``."""
    return (
        request.args.get("status", ""),
        request.args.get("sort", "name"),
        request.args.get("order") == "desc",
    )


def _learner_link(column: gradebook.Column) -> tuple[str, str]:
    """The column's learner-work URL, split where the learner's id goes."""
    url = url_for(
        "instructor.learner_work",
        user_id=LEARNER_PLACEHOLDER,
        track_id=column.track_id,
        activity_id=column.activity.id,
    )
    before, _, after = url.partition(str(LEARNER_PLACEHOLDER))
    return before, after


@bp.get("/gradebook.csv")
@read_only
@instructor_required
def gradebook_csv() -> ResponseReturnValue:
    _listed, section, unknown = _sections()
    if unknown:
        raise UnknownSectionError()
    whole = gradebook.build(get_session(), required_launch(), served_tracks(), section=section)
    book = gradebook.arranged(whole, *_arrangement())
    access_log.record(get_session(), required_launch(), AccessKind.GRADEBOOK_CSV)
    return Response(
        gradebook.as_csv(book),
        mimetype="text/csv",
        headers={"Content-Disposition": 'attachment; filename="skillcert-gradebook.csv"'},
    )


@bp.get("/learner/<id:user_id>/<track_id>/<activity_id>")
@read_only
@instructor_required
def learner_work(user_id: int, track_id: str, activity_id: str) -> ResponseReturnValue:
    """Every attempt and lab submission of one learner of this course at one activity."""
    track, activity = activity_or_404(track_id, activity_id)
    return _learner_work_page(user_id, activity.title, activity, [(track.id, activity)])


@bp.get("/learner/<id:user_id>")
@read_only
@instructor_required
def learner_placement(user_id: int) -> ResponseReturnValue:
    """One learner's work on every assessed activity this link's module or track places
    (where a submission review of a module's line item lands)."""
    placement = resolve(required_launch().resource_link_target, served_tracks())
    if placement is None:
        raise PlacementError(gettext("This link does not open a SkillCert module or track yet."))
    assessed = [(placement.track.id, a) for a in placement.assessed]
    placed = placement.activity or placement.module
    return _learner_work_page(user_id, placement.title, placed, assessed)


def _learner_work_page(
    user_id: int,
    title: str,
    placed: Activity | Module | None,
    activities: list[tuple[str, Activity]],
) -> ResponseReturnValue:
    """``title`` is ``placed``'s, marked with its language (None: a track's title)."""
    launch = required_launch()
    session = get_session()
    member = work_review.member_name(session, launch, user_id)
    if member is None:
        raise PlacementError(gettext("That learner is not in this course."))
    pieces = work_review.work_at(session, launch, user_id, activities)
    attempt_ids = [attempt.id for piece in pieces for attempt in piece.attempts]
    access_log.record(
        session,
        launch,
        AccessKind.LEARNER_WORK,
        learner_id=user_id,
        attempts=attempt_ids,
        lab_submissions=[lab.id for piece in pieces for lab in piece.labs],
        detail=",".join(f"{piece.track_id}/{piece.activity.id}" for piece in pieces),
    )
    return render_template(
        "instructor/learner_work.html",
        launch=launch,
        user_id=user_id,
        learner=member[0],
        title=title,
        placed=placed,
        pieces=pieces,
        test_words=lab_words.TEST_STATUSES,
        files=project_files.listing(session, attempt_ids),
    )
