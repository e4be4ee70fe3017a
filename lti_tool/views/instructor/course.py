"""The course page: what each link opens, the roster, and learners' accommodations."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from babel.numbers import NumberFormatError, parse_decimal
from flask import redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import get_locale, gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import Row

from assessments.catalog import translated_tracks
from lti_tool import deadlines, roster
from lti_tool.db import get_connection, get_session, read_only
from lti_tool.errors import SkillCertError
from lti_tool.gradesync import lineitems
from lti_tool.i18n import ui_language
from lti_tool.learning import (
    accommodations,
    course_overview,
)
from lti_tool.learning.catalogue import picker_tracks
from lti_tool.models import (
    Context,
    MemberStatus,
    ResourceLink,
    Role,
)
from lti_tool.placements import resolve
from lti_tool.sessions import instructor_required, required_launch
from lti_tool.settings import current_settings
from lti_tool.views.instructor.base import (
    PlacementError,
    bp,
    chosen_placements,
    served_tracks,
)


class TargetDateError(SkillCertError):
    """A target date cannot be set."""

    status_code = 400
    advice = _l("Go back to the course overview, pick the date with the calendar, and save.")


class NoSuchLinkError(TargetDateError):
    """The link is not one of this course's."""

    status_code = 404
    default_message = _l("That link is not in this course.")
    advice = _l("Go back to the course overview and choose one of the links it lists.")


@bp.get("/")
@instructor_required
def home() -> ResponseReturnValue:
    """The course overview. Not read-only: a visit queues a roster sync when one is due."""
    launch = required_launch()
    links: Sequence[ResourceLink] = []
    members: Sequence[Row[str, Role, MemberStatus, dt.datetime | None]] = []
    sync: roster.RosterState | None = None
    overview: course_overview.Summary | None = None
    if launch.context_id is not None:
        session = get_session()
        roster.queue_sync(session, launch.context_id, launch.registration_id, only_if_due=True)
        links = roster.course_links(session, launch.context_id)
        members = roster.course_members(session, launch.context_id)
        sync = roster.state(session, session.get_one(Context, launch.context_id))
        overview = course_overview.summary(
            session, launch, served_tracks(), dt.datetime.now(dt.UTC).date()
        )
    placement = resolve(launch.resource_link_target, served_tracks())
    needs_target = launch.resource_link_id is not None and placement is None
    # The picker, when the link opens nothing yet, in the page's language.
    target = launch.resource_link_target
    tracks = (
        picker_tracks(
            translated_tracks(ui_language(), current_settings().tracks_dir),
            chosen=[target] if target else [],
        )
        if needs_target
        else ()
    )
    return render_template(
        "instructor/home.html",
        launch=launch,
        links=links,
        members=members,
        status_words=roster.STATUS_WORDS,
        sync=sync,
        sync_queued=request.args.get("roster") == "queued",
        placement=placement,
        tracks=tracks,
        needs_target=needs_target,
        overview=overview,
        completion_chart=course_overview.completion_chart(overview) if overview else None,
    )


@bp.post("/roster/sync")
@instructor_required
def sync_roster_now() -> ResponseReturnValue:
    """Queue a roster sync of this course at once ("Sync roster now")."""
    launch = required_launch()
    if launch.context_id is None:
        raise PlacementError(gettext("This launch did not come from a course."))
    roster.queue_sync(get_session(), launch.context_id, launch.registration_id)
    return redirect(url_for("instructor.home", roster="queued"))


@bp.post("/links/<id:link_id>/target-date")
@instructor_required
def set_target_date(link_id: int) -> ResponseReturnValue:
    """Set, or clear (``clear``), the target date of one of the course's links: a target
    wins over the LMS's due date on every page, report and reminder (``deadlines``)."""
    launch = required_launch()
    if launch.context_id is None:
        raise PlacementError(gettext("This launch did not come from a course."))
    target = None
    if "clear" not in request.form:
        text = request.form.get("target_date", "").strip()
        try:
            target = dt.date.fromisoformat(text)
        except ValueError:
            raise TargetDateError(
                gettext("“%(text)s” is not a date: choose one such as 2026-12-31.", text=text)
                if text
                else gettext("Choose a target date, or select Clear to remove it.")
            ) from None
    found = deadlines.set_target_date(
        get_session(),
        deployment_id=launch.deployment_id,
        resource_link_id=link_id,
        target=target,
        context_id=launch.context_id,
    )
    if not found:
        raise NoSuchLinkError()
    return redirect(url_for("instructor.home", _anchor="links-heading"))


@bp.post("/link-target")
@instructor_required
def set_link_target() -> ResponseReturnValue:
    """Choose what a link that was not placed by Deep Linking opens (first launch)."""
    launch = required_launch()
    if launch.resource_link_id is None:
        raise PlacementError(gettext("This launch did not come from a link in a course."))
    (placement,) = chosen_placements()[:1]
    # Its gradebook column follows: relabelled, or deleted when the choice is ungraded.
    lineitems.retarget(
        get_connection(), launch.resource_link_id, launch.registration_id, placement.target
    )
    return redirect(url_for("instructor.home"))


@bp.get("/accommodations")
@read_only
@instructor_required
def accommodations_page() -> ResponseReturnValue:
    launch = required_launch()
    learners = (
        accommodations.course_learners(get_session(), launch.context_id)
        if launch.context_id is not None
        else []
    )
    return render_template("instructor/accommodations.html", launch=launch, learners=learners)


@bp.post("/accommodations/<id:user_id>")
@instructor_required
def save_accommodation(user_id: int) -> ResponseReturnValue:
    launch = required_launch()
    if launch.context_id is None:
        raise PlacementError(gettext("This launch did not come from a course."))
    accommodations.set_for_learner(
        get_session(),
        launch.context_id,
        user_id,
        _typed_number(request.form.get("extra_time_multiplier", "")),
        request.form.get("extra_attempts", ""),
    )
    return redirect(url_for("instructor.accommodations_page"))


def _typed_number(text: str) -> str:
    """A number as typed in the page's language ("1,5" in Spanish, as the page shows it) in
    the form the service reads ("1.5"); anything else goes on as typed, to be refused there
    or read as it is ("1.5" typed on a Spanish page)."""
    try:
        return str(parse_decimal(text.strip(), locale=get_locale(), strict=True))
    except NumberFormatError:
        return text
