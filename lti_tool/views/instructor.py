"""The instructor's pages, always scoped to the launch's deployment and context."""

from __future__ import annotations

import dataclasses
from typing import Any

from flask import Blueprint, Response, abort, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from assessments.catalog import find_activity, list_tracks
from assessments.model import Activity
from assessments.rubrics import LevelChoice
from lti_tool import roster
from lti_tool.db import get_connection, get_session, read_only, rollback
from lti_tool.errors import SkillCertError
from lti_tool.gradesync import lineitems
from lti_tool.gradesync import status as gradesync_status
from lti_tool.learning import (
    accommodations,
    gradebook,
    grading_audit,
    item_report,
    moderation,
    project_files,
    rubric_grading,
)
from lti_tool.lti.deep_linking import (
    DeepLinkingSettings,
    LineItem,
    ResourceLinkItem,
    response_token,
)
from lti_tool.lti.keys import ensure_key
from lti_tool.lti.urls import launch_url
from lti_tool.models import (
    Attempt,
    Context,
    Deployment,
    GradingOutcome,
    LabSubmission,
    Membership,
    Registration,
    ResourceLink,
    User,
)
from lti_tool.placements import SCORE_MAXIMUM, Placement, resolve
from lti_tool.sessions import current_launch, instructor_required, settings
from lti_tool.views import gradebook_table

bp = Blueprint("instructor", __name__, url_prefix="/teach")

#: Stands for a learner's id in gradebook links built once per column.
LEARNER_PLACEHOLDER = 999_999_999
#: The line-item tag that marks SkillCert's columns in the LMS gradebook.
LINE_ITEM_TAG = "skillcert"


class PlacementError(SkillCertError):
    """That choice cannot be placed."""

    status_code = 400
    default_message = _l("That choice cannot be placed.")
    advice = _l("Go back, choose from the list, and try again.")


def _tracks():
    return list_tracks(settings().tracks_dir)


def _chosen_placements() -> list[Placement]:
    targets = request.form.getlist("target")
    if not targets:
        raise PlacementError(gettext("Choose at least one track, module or activity."))
    placements = [resolve(target, _tracks()) for target in targets]
    if None in placements:
        raise PlacementError(gettext("One of the chosen items is not available any more."))
    return placements


@bp.get("/")
@instructor_required
def home():
    """The course overview. Not read-only: a visit queues a roster sync when one is due."""
    launch = current_launch()
    links, members, sync = [], [], None
    if launch.context_id is not None:
        session = get_session()
        roster.queue_sync(session, launch.context_id, launch.registration_id, only_if_due=True)
        # context_id comes from the launch session, which is bound to one deployment:
        # nothing from another tenant can match.
        links = session.scalars(
            select(ResourceLink)
            .where(ResourceLink.context_id == launch.context_id)
            .order_by(ResourceLink.title, ResourceLink.id)
        ).all()
        members = session.execute(
            select(User.name, Membership.role, Membership.status, Membership.last_launch_at)
            .join(User, User.id == Membership.user_id)
            .where(Membership.context_id == launch.context_id)
            .order_by(Membership.role, User.name, User.id)
        ).all()
        sync = roster.state(session, session.get(Context, launch.context_id))
    placement = resolve(launch.resource_link_target, _tracks())
    return render_template(
        "instructor/home.html",
        launch=launch,
        links=links,
        members=members,
        status_words=roster.STATUS_WORDS,
        sync=sync,
        sync_queued=request.args.get("roster") == "queued",
        placement=placement,
        tracks=_tracks(),
        needs_target=launch.resource_link_id is not None and placement is None,
    )


@bp.post("/roster/sync")
@instructor_required
def sync_roster_now():
    """Queue a roster sync of this course at once ("Sync roster now")."""
    launch = current_launch()
    if launch.context_id is None:
        raise PlacementError(gettext("This launch did not come from a course."))
    roster.queue_sync(get_session(), launch.context_id, launch.registration_id)
    return redirect(url_for("instructor.home", roster="queued"))


@bp.get("/gradebook")
@read_only
@instructor_required
def gradebook_page():
    book = gradebook.build(get_session(), current_launch(), _tracks())
    # One url_for per column, not per cell (50,000 cells): split where the learner's id goes.
    column_links = [
        tuple(
            url_for(
                "instructor.learner_work",
                user_id=LEARNER_PLACEHOLDER,
                track_id=column.track_id,
                activity_id=column.activity.id,
            ).split(str(LEARNER_PLACEHOLDER))
        )
        for column in book.columns
    ]
    return render_template(
        "instructor/gradebook.html",
        launch=current_launch(),
        book=book,
        body_rows=gradebook_table.body_rows(book, column_links),
    )


@bp.get("/gradebook.csv")
@read_only
@instructor_required
def gradebook_csv():
    book = gradebook.build(get_session(), current_launch(), _tracks())
    return Response(
        gradebook.as_csv(book),
        mimetype="text/csv",
        headers={"Content-Disposition": 'attachment; filename="skillcert-gradebook.csv"'},
    )


@bp.get("/grading")
@read_only
@instructor_required
def grading_queue():
    pieces = rubric_grading.queue(get_session(), current_launch(), _tracks())
    saved = request.args.get("saved")
    return _grading_page(pieces, saved=saved if saved in set(GradingOutcome) else None)


def _grading_page(pieces: list[rubric_grading.Piece], status: int = 200, **state: Any):
    """The queue; ``state`` re-renders a refused grade (``failed``, ``error``, ``kept``)."""
    session, launch = get_session(), current_launch()
    files = project_files.listing(session, {piece.attempt.id for piece in pieces})
    html = render_template(
        "instructor/grading.html",
        launch=launch,
        pieces=pieces,
        files=files,
        activities=moderation.rubric_activities(session, launch, _tracks()),
        **state,
    )
    return html, status


def _rubric_choices() -> dict[str, LevelChoice]:
    """The level (``level-<criterion>``) and comment (``comment-<criterion>``) per criterion."""
    return {
        name.removeprefix("level-"): LevelChoice(value, request.form.get(f"comment-{name[6:]}", ""))
        for name, value in request.form.items()
        if name.startswith("level-")
    }


@bp.post("/grading/<int:attempt_id>/<key>")
@instructor_required
def grade_piece(attempt_id: int, key: str):
    """Save one grade and go on to the next work awaiting grading ("Save and next")."""
    session, launch = get_session(), current_launch()
    pending = rubric_grading.queue(session, launch, _tracks())
    try:
        outcome = rubric_grading.grade(
            session,
            launch,
            _tracks(),
            attempt_id,
            key,
            _rubric_choices(),
            request.form.get("comment", ""),
        )
    except rubric_grading.GradingError as exc:
        rollback()
        failed = next((p for p in pending if (p.attempt.id, p.key) == (attempt_id, key)), None)
        return _grading_page(pending, 400, failed=failed, error=exc.message, kept=request.form)
    upcoming = rubric_grading.following(pending, attempt_id, key)
    return redirect(
        url_for(
            "instructor.grading_queue",
            saved=outcome.value,
            _anchor=upcoming.anchor if upcoming is not None else "grading-end",
        )
    )


@bp.get("/moderation")
@read_only
@instructor_required
def moderation_queue():
    """Double-marked work whose two marks disagree, side by side, for a final mark."""
    return _moderation_page(saved=request.args.get("saved") == "1")


def _moderation_page(status: int = 200, **state: Any):
    session, launch = get_session(), current_launch()
    cases = moderation.cases(session, launch, _tracks())
    files = project_files.listing(session, {case.work.piece.attempt.id for case in cases})
    html = render_template(
        "instructor/moderation.html", launch=launch, cases=cases, files=files, **state
    )
    return html, status


@bp.get("/marking/<int:attempt_id>")
@read_only
@instructor_required
def attempt_marking(attempt_id: int):
    """An attempt's rubric work: where each piece stands, re-grading, and its audit trail."""
    return _marking_page(attempt_id, saved=request.args.get("saved") == "1")


def _marking_page(attempt_id: int, status: int = 200, **state: Any):
    session, launch = get_session(), current_launch()
    work = moderation.attempt_work(session, launch, _tracks(), attempt_id)
    if not work:
        abort(404)
    html = render_template(
        "instructor/marking.html",
        launch=launch,
        work=work,
        names=moderation.grader_names(session, (m for w in work for m in w.marks)),
        trail=grading_audit.attempt_trail(session, launch, attempt_id),
        **state,
    )
    return html, status


@bp.post("/marking/<int:attempt_id>/<key>")
@instructor_required
def final_mark(attempt_id: int, key: str):
    """Set a final mark: a moderation decision, or a re-grade of released work."""
    back = request.form.get("back")
    if back not in ("moderation", "marking"):
        raise PlacementError(gettext("This form did not come from a SkillCert page."))
    session, launch = get_session(), current_launch()
    try:
        moderation.finalise(
            session,
            launch,
            _tracks(),
            attempt_id,
            key,
            _rubric_choices(),
            request.form.get("comment", ""),
        )
    except rubric_grading.GradingError as exc:
        rollback()
        state = {"error": exc.message, "failed": (attempt_id, key), "kept": request.form}
        if back == "moderation":
            return _moderation_page(400, **state)
        return _marking_page(attempt_id, 400, **state)
    if back == "moderation":
        return redirect(url_for("instructor.moderation_queue", saved=1))
    return redirect(url_for("instructor.attempt_marking", attempt_id=attempt_id, saved=1))


@bp.get("/grading-history")
@read_only
@instructor_required
def grading_history():
    """Every grading action in the course, newest first, a page at a time."""
    page = request.args.get("page", "1")
    if not page.isdigit() or int(page) < 1:
        raise PlacementError(gettext("There is no such page of the grading history."))
    rows, older = grading_audit.course_trail(get_session(), current_launch(), int(page))
    return render_template(
        "instructor/grading_history.html",
        launch=current_launch(),
        rows=rows,
        page=int(page),
        older=older,
    )


@bp.get("/agreement/<track_id>/<activity_id>")
@read_only
@instructor_required
def marking_agreement(track_id: str, activity_id: str):
    """How far the two graders of double-marked work agree, per rubric of one activity."""
    track, activity = _placed_activity(track_id, activity_id)
    report = moderation.agreement_report(
        get_session(), current_launch(), _tracks(), track.id, activity
    )
    return render_template(
        "instructor/agreement.html", launch=current_launch(), activity=activity, report=report
    )


@bp.get("/project-file/<int:file_id>")
@read_only
@instructor_required
def project_file(file_id: int):
    """A file handed in with a project in this course; any other id finds nothing (404)."""
    stored = project_files.for_instructor(get_session(), current_launch(), file_id)
    if stored is None:
        abort(404)
    return project_files.as_download(stored)


@bp.get("/grade-sync")
@read_only
@instructor_required
def grade_sync_page():
    """Where this course's scores stand in the LMS gradebook; failed ones, with a resend."""
    launch = current_launch()
    return render_template(
        "instructor/grade_sync.html",
        launch=launch,
        sync=gradesync_status.course_sync(get_session(), launch),
        columns=lineitems.course_problems(get_session(), launch, _tracks()),
        resent=request.args.get("resent") == "1",
    )


@bp.post("/grade-sync/<int:job_id>/send-again")
@instructor_required
def send_grade_again(job_id: int):
    if not gradesync_status.send_again(get_session(), current_launch(), job_id):
        abort(404, gettext("There is no failed score to send again with that number here."))
    return redirect(url_for("instructor.grade_sync_page", resent=1))


@bp.get("/accommodations")
@read_only
@instructor_required
def accommodations_page():
    launch = current_launch()
    learners = (
        accommodations.course_learners(get_session(), launch.context_id)
        if launch.context_id is not None
        else []
    )
    return render_template("instructor/accommodations.html", launch=launch, learners=learners)


@bp.post("/accommodations/<int:user_id>")
@instructor_required
def save_accommodation(user_id: int):
    launch = current_launch()
    if launch.context_id is None:
        raise PlacementError(gettext("This launch did not come from a course."))
    accommodations.set_for_learner(
        get_session(),
        launch.context_id,
        user_id,
        request.form.get("extra_time_multiplier", ""),
        request.form.get("extra_attempts", ""),
    )
    return redirect(url_for("instructor.accommodations_page"))


@dataclasses.dataclass(frozen=True)
class ActivityWork:
    """One learner's attempts and lab submissions at one activity."""

    track_id: str
    activity: Activity
    attempts: list[Attempt]
    labs: list[LabSubmission]


@bp.get("/learner/<int:user_id>/<track_id>/<activity_id>")
@read_only
@instructor_required
def learner_work(user_id: int, track_id: str, activity_id: str):
    """Every attempt and lab submission of one learner of this course at one activity."""
    track, activity = _placed_activity(track_id, activity_id)
    return _learner_work_page(user_id, activity.title, [(track.id, activity)])


@bp.get("/learner/<int:user_id>")
@read_only
@instructor_required
def learner_placement(user_id: int):
    """One learner's work on every assessed activity this link's module or track places
    (where a submission review of a module's line item lands)."""
    placement = resolve(current_launch().resource_link_target, _tracks())
    if placement is None:
        raise PlacementError(gettext("This link does not open a SkillCert module or track yet."))
    assessed = [(placement.track.id, a) for a in placement.assessed]
    return _learner_work_page(user_id, placement.title, assessed)


def _learner_work_page(user_id: int, title: str, activities: list[tuple[str, Activity]]):
    launch = current_launch()
    session = get_session()
    member = session.execute(
        select(User.name)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.context_id == launch.context_id, User.id == user_id)
    ).first()
    if member is None:
        raise PlacementError(gettext("That learner is not in this course."))
    # Two queries however many activities: (track, activity) → (attempts, lab submissions).
    found: dict[tuple[str, str], tuple[list, list]] = {
        (track_id, activity.id): ([], []) for track_id, activity in activities
    }
    for index, model in enumerate((Attempt, LabSubmission)):
        rows = session.scalars(
            select(model)
            .where(
                *model.of_learner(launch, user_id),
                model.activity_id.in_([activity.id for _, activity in activities]),
            )
            .order_by(model.id)
        )
        for row in rows:
            if (row.track_id, row.activity_id) in found:
                found[row.track_id, row.activity_id][index].append(row)
    pieces = [
        ActivityWork(track_id, activity, *found[track_id, activity.id])
        for track_id, activity in activities
    ]
    attempt_ids = (attempt.id for piece in pieces for attempt in piece.attempts)
    return render_template(
        "instructor/learner_work.html",
        launch=launch,
        user_id=user_id,
        learner=member.name or gettext("Learner %(id)s", id=user_id),
        title=title,
        pieces=pieces,
        files=project_files.listing(session, attempt_ids),
    )


def _placed_activity(track_id: str, activity_id: str):
    found = find_activity(_tracks(), track_id, activity_id)
    if found is None:
        raise PlacementError(gettext("There is no such activity."))
    return found


@bp.get("/analysis/<track_id>/<activity_id>")
@read_only
@instructor_required
def item_analysis(track_id: str, activity_id: str):
    track, activity = _placed_activity(track_id, activity_id)
    if not activity.kind.has_items:
        raise PlacementError(gettext("There is no such quiz or exam."))
    result = item_report.report(get_session(), current_launch(), track, activity)
    return render_template(
        "instructor/item_analysis.html", launch=current_launch(), activity=activity, report=result
    )


@bp.post("/link-target")
@instructor_required
def set_link_target():
    """Choose what a link that was not placed by Deep Linking opens (first launch)."""
    launch = current_launch()
    if launch.resource_link_id is None:
        raise PlacementError(gettext("This launch did not come from a link in a course."))
    (placement,) = _chosen_placements()[:1]
    # Its gradebook column follows: relabelled, or deleted when the choice is ungraded.
    lineitems.retarget(
        get_connection(), launch.resource_link_id, launch.registration_id, placement.target
    )
    return redirect(url_for("instructor.home"))


@bp.get("/deep-link")
@read_only
@instructor_required
def deep_link():
    launch = current_launch()
    deep_linking = DeepLinkingSettings.from_claims(launch.claims)
    return render_template(
        "instructor/deep_link.html", launch=launch, settings=deep_linking, tracks=_tracks()
    )


@bp.post("/deep-link")
@instructor_required
def deep_link_return():
    """Sign the chosen placements and send them back to the LMS (LTI Deep Linking 2.0)."""
    launch = current_launch()
    deep_linking = DeepLinkingSettings.from_claims(launch.claims)
    items = [_content_item(placement) for placement in _chosen_placements()]
    session = get_session()
    registration = session.get(Registration, launch.registration_id)
    deployment = session.get(Deployment, launch.deployment_id)
    token = response_token(
        platform_issuer=registration.issuer,
        client_id=registration.client_id,
        deployment_id=deployment.deployment_id,
        settings=deep_linking,
        items=items,
        key=ensure_key(session),
    )
    return render_template(
        "lti/deep_link_return.html", return_url=deep_linking.return_url, token=token, items=items
    )


def _content_item(placement: Placement) -> ResourceLinkItem:
    line_item = None
    if placement.graded:
        line_item = LineItem(
            label=placement.title,
            score_maximum=SCORE_MAXIMUM,
            resource_id=placement.resource_id,
            tag=LINE_ITEM_TAG,
        )
    return ResourceLinkItem(
        title=placement.title,
        url=launch_url(settings()),
        custom={"skillcert_target": placement.target},
        line_item=line_item,
    )
