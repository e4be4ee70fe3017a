"""Quiz, exam and scenario attempts: start, answer, save, choose, submit."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from flask import jsonify, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from markupsafe import Markup

from assessments.model import Activity, ActivityKind, Item, Track
from lti_tool.db import get_session
from lti_tool.learning import (
    accommodations,
    attempts,
    feedback,
    next_step,
    scenario_story,
    verdict,
)
from lti_tool.learning.answer_view import attempt_view
from lti_tool.learning.forms import answers_from_form
from lti_tool.models import Attempt, AttemptStatus, utcnow
from lti_tool.sessions import launch_required, required_launch
from lti_tool.views.learner.base import activity_or_404, bp


@bp.post("/a/<track_id>/<activity_id>/start")
@launch_required
def start_attempt(track_id: str, activity_id: str) -> ResponseReturnValue:
    track, activity_ = activity_or_404(track_id, activity_id)
    attempt = attempts.start(get_session(), required_launch(), track, activity_)
    return redirect(url_for("learner.attempt", attempt_id=attempt.id))


def _attempt_and_activity(attempt_id: int) -> tuple[Attempt, Track, Activity]:
    attempt = attempts.get_attempt(get_session(), required_launch(), attempt_id)
    track, activity_ = activity_or_404(attempt.track_id, attempt.activity_id)
    return attempt, track, activity_


@bp.get("/attempt/<id:attempt_id>")
@launch_required
def attempt(attempt_id: int) -> ResponseReturnValue:
    """An attempt in progress (its questions, or the scenario's situation) or its result."""
    attempt_, track, activity_ = _attempt_and_activity(attempt_id)
    attempts.close_if_overdue(attempt_, track, activity_, utcnow())
    items = attempts.items_of(attempt_, activity_)
    context = _attempt_context(attempt_, track, activity_, items)
    # The work as the learner saw it (answer_view), once handed in: feedback in this
    # page's language, released rubric grades.
    seen = attempt_view(attempt_, activity_) if attempt_.status is AttemptStatus.SUBMITTED else None
    scenario = activity_.scenario  # the loader gives every scenario activity its graph
    if activity_.kind is ActivityKind.SCENARIO and scenario is not None:
        run = attempts.scenario_run(attempt_, activity_)
        if seen is not None:
            story = scenario_story.story(scenario, run, seen.scenario)
            return render_template("learner/scenario_result.html", story=story, **context)
        step = scenario_story.step_count(scenario, run)
        node = scenario.nodes[run.at]
        return render_template(
            "learner/scenario.html", scenario=scenario, node=node, run=run, step=step, **context
        )
    if seen is not None:
        return render_template("learner/attempt_result.html", questions=seen.questions, **context)
    saved = request.args.get("saved") == "1"
    return render_template("learner/attempt.html", items=items, saved=saved, **context)


def _attempt_context(
    attempt_: Attempt, track: Track, activity_: Activity, items: Sequence[Item]
) -> dict[str, Any]:
    """What every attempt page shows: how much of the result, its verdict, what is next."""
    session, launch = get_session(), required_launch()
    own_attempts = attempts.attempts_at(session, launch, track, activity_)
    granted = accommodations.for_learner(session, launch.context_id, launch.user_id)
    used = feedback.submitted(own_attempts)
    return {
        "launch": launch,
        "track": track,
        "activity": activity_,
        "attempt": attempt_,
        "reveal": feedback.reveals_all(session, launch, activity_, used),
        "by_competency": feedback.by_competency(track, activity_, attempt_.result or {}, items),
        "seed": (attempt_.user_id, activity_.id, attempt_.number),
        "verdict": verdict.of_attempt(track, activity_, attempt_, len(own_attempts), granted),
        "next_step": next_step.after(track, activity_.id),
    }


@bp.app_template_filter("seeded")
def seeded(choices: Sequence[Any], seed: Sequence[object], *more: object) -> list[Any]:
    """Choices in this learner's order for this attempt (``feedback.in_seeded_order``)."""
    return feedback.in_seeded_order(choices, *seed, *more)


#: A text a translation left as written, whole: ``<span lang="en">…</span>``
#: (``assessments.translation`` marks them so).
_MARKED = re.compile(r'<span lang="([A-Za-z-]+)">(?:(?!</?span).)*</span>', re.S)


@bp.app_template_filter("marked_lang")
def marked_lang(html: str) -> Markup:
    """`` lang="en"`` for content shown without its markup (a select's option) when the
    markup said its language, else nothing: the mark must move to the option itself."""
    found = _MARKED.fullmatch(html.strip())
    return Markup(' lang="{}"').format(found.group(1)) if found else Markup("")


@bp.post("/attempt/<id:attempt_id>/save")
@launch_required
def save_attempt(attempt_id: int) -> ResponseReturnValue:
    attempt_, _track, activity_ = _attempt_and_activity(attempt_id)
    outcome = attempts.save(
        attempt_, activity_, answers_from_form(attempts.items_of(attempt_, activity_), request.form)
    )
    if request.accept_mimetypes.best == "application/json":
        return jsonify(saved=outcome.saved, errors=outcome.errors, problems=outcome.problems)
    return redirect(url_for("learner.attempt", attempt_id=attempt_id, saved=1))


@bp.post("/attempt/<id:attempt_id>/choose")
@launch_required
def choose(attempt_id: int) -> ResponseReturnValue:
    attempt_, _track, activity_ = _attempt_and_activity(attempt_id)
    attempts.choose(
        attempt_,
        activity_,
        request.form.get("node", ""),
        request.form.get("choice", ""),
        request.form.get("justification"),
    )
    return redirect(url_for("learner.attempt", attempt_id=attempt_id))


@bp.post("/attempt/<id:attempt_id>/submit")
@launch_required
def submit_attempt(attempt_id: int) -> ResponseReturnValue:
    """Save what the page holds, ask once to confirm, then score (idempotent)."""
    attempt_, track, activity_ = _attempt_and_activity(attempt_id)
    items = attempts.items_of(attempt_, activity_)
    if attempt_.status is AttemptStatus.IN_PROGRESS and request.form.get("confirm") != "yes":
        outcome = attempts.save(attempt_, activity_, answers_from_form(items, request.form))
        unanswered = [item for item in items if item.id not in attempt_.answers]
        return render_template(
            "learner/attempt_confirm.html",
            launch=required_launch(),
            activity=activity_,
            attempt=attempt_,
            unanswered=unanswered,
            errors={**outcome.problems, **outcome.errors},
        )
    attempts.submit(attempt_, track, activity_)
    return redirect(url_for("learner.attempt", attempt_id=attempt_id))
