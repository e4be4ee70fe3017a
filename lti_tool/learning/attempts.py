"""Quiz and exam attempts: start, autosave, resume, submit — timed on the server.

Every lookup is scoped to the launch's registration, deployment, context and user, so an
attempt id from anywhere else finds nothing. Autosave keeps whatever the learner wrote
(half-finished answers included: nothing they wrote is lost) and tells them which answers
cannot be scored as they stand; submitting scores what was saved — an answer that still
cannot be scored counts as unanswered — and submitting twice is answered once.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Mapping
from typing import Any

from flask_babel import format_decimal, gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session, object_session
from sqlalchemy.orm.exc import DetachedInstanceError

from assessments.catalog import list_tracks
from assessments.items import AnswersError, score_submission
from assessments.model import (
    Activity,
    ActivityKind,
    AssessmentError,
    ContentVersions,
    Item,
    ResultStatus,
    Track,
)
from assessments.policy import Decision, draw_items
from assessments.scenarios import Scenario, ScenarioRun
from lti_tool import outcomes
from lti_tool.errors import SkillCertError
from lti_tool.i18n import engine_words
from lti_tool.learning import accommodations
from lti_tool.models import Attempt, AttemptStatus, utcnow
from lti_tool.outcomes import Change
from lti_tool.scope import CurrentLaunch
from lti_tool.settings import current_settings


class AttemptError(SkillCertError):
    """This attempt cannot do that."""

    status_code = 400
    advice = _l("Go back to the activity to see where it stands.")


class AttemptRefused(AttemptError):
    """The activity's policy does not allow another attempt now; nothing was recorded."""

    status_code = 409
    advice = _l("Go back to the activity; it says when you can try again.")


class AttemptNotFound(SkillCertError):
    """There is no such attempt in this course for you."""

    status_code = 404
    default_message = _l("There is no such attempt in this course for you.")
    advice = _l("Open the activity from your course again.")


#: Largest answer kept for one question, as JSON (a free-response essay fits easily).
MAX_ANSWER_BYTES = 64 * 1024


@dataclasses.dataclass(frozen=True)
class SaveOutcome:
    saved: int
    #: item id → why that answer was not kept (not a question of the attempt, too long).
    errors: Mapping[str, str]
    #: item id → why a kept answer cannot be scored as it stands ("not a number", …).
    problems: Mapping[str, str]


def _scope(query, launch: CurrentLaunch):
    return query.where(*Attempt.of_learner(launch, launch.user_id))


def attempts_at(session: Session, launch: CurrentLaunch, track: Track, activity: Activity):
    """This learner's attempts at an activity in this course, oldest first."""
    query = select(Attempt).where(Attempt.track_id == track.id, Attempt.activity_id == activity.id)
    return session.scalars(_scope(query, launch).order_by(Attempt.number)).all()


def get_attempt(session: Session, launch: CurrentLaunch, attempt_id: int) -> Attempt:
    attempt = session.scalar(_scope(select(Attempt).where(Attempt.id == attempt_id), launch))
    if attempt is None:
        raise AttemptNotFound()
    return attempt


def start(session: Session, launch: CurrentLaunch, track: Track, activity: Activity) -> Attempt:
    """Resume the attempt in progress, or start the next one if the policy allows."""
    if activity.kind in (ActivityKind.LESSON, ActivityKind.LAB):
        raise AttemptError(gettext("%(title)s has no attempts to start.", title=activity.title))
    attempts = attempts_at(session, launch, track, activity)
    now = utcnow()
    for attempt in attempts:
        if attempt.status is AttemptStatus.IN_PROGRESS:
            return close_if_overdue(attempt, track, activity, now)
    # A refused decision always says why; an allowed one has no reason.
    refused = next_attempt(session, launch, activity, attempts, now).reason
    if refused is not None:
        raise AttemptRefused(engine_words.refusal(refused))
    policy = activity.attempt_policy
    granted = accommodations.for_learner(session, launch.context_id, launch.user_id)
    attempt = Attempt(
        registration_id=launch.registration_id,
        deployment_id=launch.deployment_id,
        context_id=launch.context_id,
        user_id=launch.user_id,
        track_id=track.id,
        activity_id=activity.id,
        number=len(attempts) + 1,
        content_versions=ContentVersions.of(track, activity.id).as_dict(),
        answers={},
        status=AttemptStatus.IN_PROGRESS,
        started_at=now,
        deadline_at=policy.deadline(now, granted),
    )
    session.add(attempt)
    session.flush()
    return attempt


def next_attempt(
    session: Session,
    launch: CurrentLaunch,
    activity: Activity,
    attempts: list[Attempt],
    now: dt.datetime,
) -> Decision:
    """May the learner start a new attempt now (attempts left, open, cooled down)?"""
    granted = accommodations.for_learner(session, launch.context_id, launch.user_id)
    last_finished = attempts[-1].submitted_at if attempts else None
    return activity.attempt_policy.can_start(len(attempts), now, granted, last_finished)


def items_of(attempt: Attempt, activity: Activity) -> list[Item]:
    """The attempt's questions: the whole activity, or this learner's seeded draw from a pool."""
    if activity.pool is None:
        return list(activity.items)
    ids = draw_items(
        [item.id for item in activity.items],
        activity.pool.draw,
        str(attempt.user_id),
        activity.id,
        attempt.number,
    )
    chosen = set(ids)
    return [item for item in activity.items if item.id in chosen]


def save(attempt: Attempt, activity: Activity, answers: Mapping[str, Any]) -> SaveOutcome:
    """Keep the learner's answers as written; refuse after the deadline."""
    _check_open(attempt)
    items = {item.id: item for item in items_of(attempt, activity)}
    kept, errors, problems = dict(attempt.answers), {}, {}
    for item_id, answer in answers.items():
        item = items.get(item_id)
        if item is None:
            errors[item_id] = gettext("This is not a question of your attempt.")
        elif len(json.dumps(answer)) > MAX_ANSWER_BYTES:
            errors[item_id] = gettext("This answer is too long to keep; shorten it.")
        else:
            kept[item_id] = answer
            if (problem := _unscorable(item, answer)) is not None:
                problems[item_id] = problem
    attempt.answers = kept  # a new dict, so the JSON column sees the change
    return SaveOutcome(saved=len(answers) - len(errors), errors=errors, problems=problems)


def _unscorable(item: Item, answer: Any) -> str | None:
    """Why ``answer`` cannot be scored as it stands, or None."""
    try:
        score_submission([item], {item.id: answer})
    except AnswersError as exc:
        return engine_words.answer_problem(exc.errors[item.id])
    return None


def submit(attempt: Attempt, track: Track, activity: Activity) -> Attempt:
    """Score what was saved. Submitting an attempt that is already submitted changes nothing."""
    if attempt.status is AttemptStatus.SUBMITTED:
        return attempt
    if not activity.kind.has_items:
        raise AttemptError(
            gettext("A scenario ends with its last choice; it has nothing to submit.")
        )
    items = items_of(attempt, activity)
    problems = {
        item.id: problem
        for item in items
        if item.id in attempt.answers
        and (problem := _unscorable(item, attempt.answers[item.id])) is not None
    }
    scorable = {k: v for k, v in attempt.answers.items() if k not in problems}
    outcome = score_submission(items, scorable)
    result = {
        "score": outcome.score,
        "max_score": outcome.max_score,
        "status": outcome.status.value,
        "critical_failed": [
            item.id
            for item in items
            if item.critical
            and (r := outcome.results[item.id]).status is not ResultStatus.PENDING
            and r.score < r.max_score
        ],
        "items": {
            item_id: {
                "score": r.score,
                "max_score": r.max_score,
                "status": r.status.value,
                "feedback": [dataclasses.asdict(f) for f in r.feedback],
                "problem": problems.get(item_id),
            }
            for item_id, r in outcome.results.items()
        },
    }
    _hand_in(attempt, result, score=_share(outcome.score, outcome.max_score))
    return attempt


# -- scenarios: the steps taken are the attempt's answers -------------------------------


def scenario_run(attempt: Attempt, activity: Activity) -> ScenarioRun:
    """Where the learner stands, rebuilt from the stored steps."""
    scenario = _scenario(activity)
    run = scenario.start()
    for step in attempt.answers.get("steps", []):
        run = scenario.choose(run, step["node"], step["choice"], step.get("justification"))
    return run


def choose(
    attempt: Attempt,
    activity: Activity,
    node_id: str,
    choice_id: str,
    justification: str | None,
) -> ScenarioRun:
    """Take a choice. Re-sending a choice already taken (back button, double click) is a
    no-op; a different choice at a situation already passed is refused. The last choice
    ends the attempt."""
    scenario = _scenario(activity)
    run = scenario_run(attempt, activity)
    if attempt.status is AttemptStatus.SUBMITTED:
        scenario.choose(run, node_id, choice_id, justification)  # explains, or no-op
        return run
    _check_open(attempt)
    try:
        new_run = scenario.choose(run, node_id, choice_id, justification)
    except AssessmentError as exc:
        raise AttemptError(engine_words.assessment_error(exc)) from None
    attempt.answers = {"steps": [dataclasses.asdict(step) for step in new_run.steps]}
    if scenario.finished(new_run):
        _finish_scenario(attempt, scenario, new_run)
    return new_run


def _scenario(activity: Activity) -> Scenario:
    """The activity's scenario graph; a refusal for any other activity (a choice posted to a
    quiz's attempt, say)."""
    if activity.scenario is None:
        raise AttemptError(gettext("%(title)s is not a scenario.", title=activity.title))
    return activity.scenario


def _finish_scenario(attempt: Attempt, scenario: Scenario, run: ScenarioRun) -> None:
    result = scenario.result(run)
    stored = {
        "score": result.score,
        "max_score": result.max_score,
        "status": result.status.value,
        "path": list(result.path),
        "expert_path": list(result.expert_path),
        "justifications": [dataclasses.asdict(step) for step in result.justifications],
        "critical_failed": list(result.critical_failed),
    }
    _hand_in(attempt, stored, score=_share(result.score, result.max_score))


# -- projects: composed work, graded by rubric ------------------------------------------

#: Longest project text kept (characters); files come as attachments (project_files).
MAX_PROJECT_CHARS = 100_000


def submit_project(
    attempt: Attempt, activity: Activity, text: str, attachments: int = 0
) -> Attempt:
    """Hand in a project — text, ``attachments`` files (stored by the caller), or both;
    it awaits an instructor's rubric scoring."""
    # The loader gives every project its rubric.
    if activity.kind is not ActivityKind.PROJECT or activity.rubric is None:
        raise AttemptError(gettext("%(title)s is not a project.", title=activity.title))
    _check_open(attempt)
    if not text.strip() and not attachments:
        raise AttemptError(gettext("Write your project or attach a file before you hand it in."))
    if len(text) > MAX_PROJECT_CHARS:
        raise AttemptError(
            gettext(
                "Your project is longer than %(limit)s characters.",
                limit=format_decimal(MAX_PROJECT_CHARS),
            )
        )
    attempt.answers = {"text": text}
    # No score until an instructor scores the rubric.
    _hand_in(attempt, {"status": "pending", "score": 0.0, "max_score": activity.rubric.total})
    return attempt


def close_if_overdue(
    attempt: Attempt, track: Track, activity: Activity, now: dt.datetime
) -> Attempt:
    """Time is kept on the server: an attempt past its deadline is submitted as saved."""
    if (
        activity.kind.has_items
        and attempt.status is AttemptStatus.IN_PROGRESS
        and _overdue(attempt, now)
    ):
        submit(attempt, track, activity)
    return attempt


def _share(score: float, max_score: float) -> float:
    return score / max_score if max_score else 0.0


def _hand_in(attempt: Attempt, result: dict[str, Any], score: float | None = None) -> None:
    """The attempt is submitted with this result: record it, and queue what follows."""
    attempt.status = AttemptStatus.SUBMITTED
    attempt.submitted_at = utcnow()
    attempt.score = score
    attempt.result = result
    session = object_session(attempt)
    if session is None:
        # What follows is queued in the attempt's own transaction; without one it would be lost.
        raise DetachedInstanceError(f"{attempt!r} is handed in outside a session.")
    tracks = list_tracks(current_settings().tracks_dir)
    outcomes.work_changed(session, attempt, tracks, Change.HANDED_IN)


def _overdue(attempt: Attempt, now: dt.datetime) -> bool:
    return attempt.deadline_at is not None and now >= attempt.deadline_at


def _check_open(attempt: Attempt) -> None:
    if attempt.status is AttemptStatus.SUBMITTED:
        raise AttemptError(
            gettext("This attempt has been submitted; its answers can no longer change.")
        )
    if _overdue(attempt, utcnow()):
        raise AttemptError(
            gettext(
                "The time for this attempt is up, so this answer was not saved. "
                "Everything you saved before the deadline counts."
            )
        )
