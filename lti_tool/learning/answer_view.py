"""A learner's work as they saw it, for the instructor's pages: plain display records.

The stored answers are ids and shapes (``"zero"``, ``{"system": "rules"}``, ``["define",
…]``); this module turns them into what the learner read — option texts, prompt → answer
pairs, entries in the order given — with what was right, the points and the feedback.
Texts come from the content (the engine's sanitised HTML), never from the stored JSON;
points and status come from the stored result, which is what counted; the answer is scored
again only to find the feedback the learner was shown. Stored answers are whatever a form
sent, so every reader accepts any shape. Templates render these records and nothing else
(``templates/instructor/_marking.html``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from flask_babel import gettext
from markupsafe import Markup, escape

from assessments.items.base import Option
from assessments.items.matching import Matching
from assessments.items.multiple_choice import MultipleChoice
from assessments.items.numeric import Numeric
from assessments.items.ordering import Ordering
from assessments.items.single_choice import SingleChoice
from assessments.items.trace_review import TraceReview
from assessments.model import CONTENT_LANGUAGE, Activity, AnswerError, AssessmentError, Item
from assessments.scenarios import Scenario
from lti_tool.i18n import engine_words
from lti_tool.learning.attempts import items_of
from lti_tool.models import Attempt, AttemptStatus

if TYPE_CHECKING:
    from lti_tool.learning.rubric_grading import Piece

Html = Markup | str  #: content HTML (``SafeHtml``) or escaped text


@dataclasses.dataclass(frozen=True)
class Choice:
    """An option as listed: whether the learner chose it, and whether it is a right one."""

    html: Html
    chosen: bool
    correct: bool


@dataclasses.dataclass(frozen=True)
class Pair:
    """A matching prompt and the response the learner gave it (None: left blank)."""

    prompt_html: Html
    response_html: Html | None
    correct: bool | None  #: None: not judged (a matching that could not be scored)


@dataclasses.dataclass(frozen=True)
class Placed:
    """An ordering entry where the learner put it."""

    html: Html
    position: int  #: where it belongs, 1 first
    in_place: bool


@dataclasses.dataclass(frozen=True)
class Segment:
    """A trace segment the learner marked as injected, or an injected one they missed."""

    html: Html
    marked: bool
    injected: bool


@dataclasses.dataclass(frozen=True)
class Graded:
    """A released rubric grade: points, each criterion's level, the comments."""

    score: float
    max_score: float
    criteria: tuple[tuple[str, str, float, float, str], ...]  #: title, level, points, max, note
    comment: str
    #: each criterion's level description, in the order of ``criteria`` (the learner's pages)
    descriptions: tuple[Html, ...] = ()


@dataclasses.dataclass(frozen=True)
class Outcome:
    """``status``: correct, partial, incorrect, pending, unanswered or open (not handed in)."""

    status: str
    score: float | None
    max_score: float


@dataclasses.dataclass(frozen=True)
class Question:
    """One question of a quiz or exam with the learner's answer. Which answer fields are
    set follows ``type``: ``choices`` (single and multiple choice), ``pairs`` (matching),
    ``order`` (ordering), ``text`` (numeric, short text, free response), and for a trace
    review ``segments``, ``choices`` (the control) and ``identifiers``."""

    number: int
    anchor: str  #: for ids in attributes only
    type: str
    stem_html: Html
    answered: bool
    outcome: Outcome
    choices: tuple[Choice, ...] = ()
    pairs: tuple[Pair, ...] = ()
    order: tuple[Placed, ...] = ()
    text: str | None = None
    expected: float | None = None  #: a numeric item's answer
    segments: tuple[Segment, ...] = ()
    identifiers: tuple[Choice, ...] = ()
    feedback: tuple[Html, ...] = ()
    problem: str | None = None  #: why the saved answer could not be scored
    graded: Graded | None = None


@dataclasses.dataclass(frozen=True)
class Step:
    """One step of a scenario path: the situation, the choice and the learner's why."""

    situation_html: Html
    choice_html: Html | None
    consequence_html: Html
    points: float | None
    best: bool  #: the best-scoring choice at this situation
    justification: str | None
    graded: Graded | None


@dataclasses.dataclass(frozen=True)
class ScenarioPath:
    steps: tuple[Step, ...]
    ending_html: Html | None  #: the debrief of the end reached; None while unfinished
    followed_expert: bool | None


@dataclasses.dataclass(frozen=True)
class AttemptView:
    """What to show of one attempt: its questions, scenario path or project."""

    questions: tuple[Question, ...] = ()
    scenario: ScenarioPath | None = None
    project_text: str | None = None
    project_graded: Graded | None = None
    #: The language of the activity's texts (pages mark them ``lang`` when it is not theirs).
    language: str = CONTENT_LANGUAGE


def attempt_view(attempt: Attempt, activity: Activity) -> AttemptView:
    """The attempt's work as the learner saw it."""
    return dataclasses.replace(_attempt_view(attempt, activity), language=activity.language)


def _attempt_view(attempt: Attempt, activity: Activity) -> AttemptView:
    result = _mapping(attempt.result)
    answers = _mapping(attempt.answers)
    rubric = _mapping(result.get("rubric"))
    if activity.scenario is not None:
        return AttemptView(scenario=_scenario(activity.scenario, answers, result, rubric))
    if activity.rubric is not None and not activity.kind.has_items:
        text = answers.get("text")
        return AttemptView(
            project_text=text if isinstance(text, str) else None,
            project_graded=_graded(rubric.get("project"), activity.rubric),
        )
    submitted = attempt.status is AttemptStatus.SUBMITTED
    items = items_of(attempt, activity)
    scored = _mapping(result.get("items"))
    return AttemptView(
        questions=tuple(
            question(
                n,
                item,
                answers.get(item.id),
                scored.get(item.id) if submitted else None,
                rubric.get(f"item:{item.id}"),
            )
            for n, item in enumerate(items, 1)
        )
    )


def question(
    number: int, item: Item, answer: Any, stored: Any = None, graded: Any = None
) -> Question:
    """One question with the learner's ``answer``, its ``stored`` result (None before the
    attempt is handed in) and its released rubric grade, if any."""
    definition = item.definition
    base = Question(
        number=number,
        anchor=item.id,
        type=item.type,
        stem_html=item.stem_html,
        answered=answer is not None,
        outcome=_outcome(item, answer, stored, graded),
        feedback=_feedback(item, answer),
        problem=_problem(item, answer, stored),
        graded=_graded(graded, getattr(definition, "rubric", None)),
    )
    if answer is None:
        return base
    if isinstance(definition, SingleChoice):
        return dataclasses.replace(
            base, choices=_choices(definition.options, {definition.correct}, [answer])
        )
    if isinstance(definition, MultipleChoice):
        return dataclasses.replace(
            base, choices=_choices(definition.options, definition.correct, _ids(answer))
        )
    if isinstance(definition, Matching):
        return dataclasses.replace(base, pairs=_pairs(definition, answer, item))
    if isinstance(definition, Ordering):
        return _ordering(base, definition, answer)
    if isinstance(definition, TraceReview):
        return _trace(base, definition, answer)
    expected = definition.answer if isinstance(definition, Numeric) else None
    return dataclasses.replace(base, text=_text(answer), expected=expected)


def _outcome(item: Item, answer: Any, stored: Any, graded: Any) -> Outcome:
    if not isinstance(stored, Mapping):
        return Outcome("open", None, item.points)
    max_score = _number(stored.get("max_score"), item.points)
    if isinstance(graded, Mapping) and graded.get("score") is not None:
        share = _number(graded.get("score"), 0.0) / (_number(graded.get("max_score"), 1.0) or 1.0)
        return Outcome(str(graded.get("status", "correct")), share * max_score, max_score)
    status = str(stored.get("status", ""))
    if answer is None or stored.get("problem"):
        status = "unanswered" if status != "pending" else status
    score = None if status == "pending" else _number(stored.get("score"), 0.0)
    return Outcome(status, score, max_score)


def _problem(item: Item, answer: Any, stored: Any) -> str | None:
    """Why the saved answer was not scored, in the page's language: the stored reason is
    in the language the learner's page had, so it is worded again from the answer."""
    if not isinstance(stored, Mapping) or not stored.get("problem"):
        return None
    try:
        item.score(answer)
    except AnswerError as exc:
        return engine_words.answer_problem(exc.problem)
    except (AssessmentError, TypeError, ValueError):
        pass
    # The content changed since and now takes the answer: the stored reason no longer holds.
    return gettext("This answer could not be scored when it was handed in.")


def _feedback(item: Item, answer: Any) -> tuple[Html, ...]:
    """The rationales and feedback the learner was shown for this answer (scored again
    against the content: its texts are the engine's sanitised HTML)."""
    if answer is None:
        return ()
    try:
        scored = item.score(answer)
    except (AssessmentError, TypeError, ValueError):
        return ()
    return tuple(f.message for f in scored.feedback if f.message)


def _choices(options: Sequence[Option], correct: Any, chosen: Sequence[Any]) -> tuple[Choice, ...]:
    chosen = [value for value in chosen if isinstance(value, str)]
    listed = tuple(Choice(o.html, o.id in chosen, o.id in correct) for o in options)
    known = {o.id for o in options}
    # An option the content no longer has (it changed since): say so, without its id.
    gone = tuple(Choice(_GONE, True, False) for value in chosen if value not in known)
    return listed + gone


#: Stands for an option the content no longer has; the template words it.
_GONE = Markup("")


def _pairs(definition: Matching, answer: Any, item: Item) -> tuple[Pair, ...]:
    given = answer if isinstance(answer, Mapping) else {}
    responses = {r.id: r.html for r in definition.responses}
    try:
        judged = {f.key: f.correct for f in item.score(answer).feedback}
    except (AssessmentError, TypeError, ValueError):
        judged = {}
    return tuple(
        Pair(
            prompt.html,
            responses.get(chosen, _GONE)
            if isinstance(chosen := given.get(prompt.id), str)
            else None,
            judged.get(prompt.id),
        )
        for prompt in definition.prompts
    )


def _ordering(base: Question, definition: Ordering, answer: Any) -> Question:
    position = {entry.id: n for n, entry in enumerate(definition.entries, 1)}
    html = {entry.id: entry.html for entry in definition.entries}
    if isinstance(answer, Mapping):  # positions that were not whole numbers, as typed
        pairs = tuple(
            Pair(html[entry_id], escape(str(answer.get(entry_id, ""))), None)
            for entry_id in html
            if entry_id in answer
        )
        return dataclasses.replace(base, pairs=pairs)
    order = tuple(
        Placed(html[entry_id], position[entry_id], position[entry_id] == n)
        for n, entry_id in enumerate(_ids(answer), 1)
        if entry_id in html
    )
    return dataclasses.replace(base, order=order)


def _trace(base: Question, definition: TraceReview, answer: Any) -> Question:
    review = answer if isinstance(answer, Mapping) else {}
    marked = set(_ids(review.get("segments")))
    segments = tuple(
        Segment(s.html, s.id in marked, s.injected)
        for s in definition.segments.values()
        if s.id in marked or s.injected
    )
    control = review.get("control")
    return dataclasses.replace(
        base,
        segments=segments,
        choices=_choices(definition.controls, {definition.control}, [control] if control else []),
        identifiers=_choices(
            definition.identifiers, definition.correct_identifiers, _ids(review.get("identifiers"))
        ),
    )


def _scenario(
    scenario: Scenario, answers: Mapping[str, Any], result: Mapping[str, Any], rubric: Any
) -> ScenarioPath:
    steps = []
    taken = answers.get("steps")
    for step in taken if isinstance(taken, list) else []:
        node = scenario.nodes.get(str(step.get("node"))) if isinstance(step, Mapping) else None
        if node is None:
            continue
        choice = node.choice(str(step.get("choice")))
        why = step.get("justification")
        steps.append(
            Step(
                situation_html=node.situation_html,
                choice_html=choice.html if choice else None,
                consequence_html=choice.consequence_html if choice else Markup(""),
                points=choice.score if choice else None,
                best=choice is not None and choice.score >= node.best_score,
                justification=why if isinstance(why, str) else None,
                graded=_graded(
                    rubric.get(f"step:{node.id}"),
                    node.justification.rubric if node.justification else None,
                ),
            )
        )
    path = result.get("path")
    end = scenario.nodes.get(path[-1]) if isinstance(path, list) and path else None
    return ScenarioPath(
        steps=tuple(steps),
        ending_html=end.debrief_html if end is not None else None,
        followed_expert=path == result.get("expert_path") if end is not None else None,
    )


def _graded(stored: Any, rubric: Any) -> Graded | None:
    """A released rubric result (the attempt's ``result["rubric"][key]``) in words."""
    if not isinstance(stored, Mapping) or stored.get("score") is None:
        return None
    rows, descriptions = [], []
    for row in stored.get("criteria") or ():
        if not isinstance(row, Mapping):
            continue
        criterion = rubric.criterion(str(row.get("criterion"))) if rubric is not None else None
        level = criterion.level(str(row.get("level"))) if criterion is not None else None
        descriptions.append(level.description_html if level else "")
        rows.append(
            (
                criterion.title if criterion else str(row.get("criterion", "")),
                level.title if level else str(row.get("level", "")),
                _number(row.get("points"), 0.0),
                _number(row.get("max_points"), 0.0),
                str(row.get("comment") or ""),
            )
        )
    return Graded(
        _number(stored.get("score"), 0.0),
        _number(stored.get("max_score"), 0.0),
        tuple(rows),
        str(stored.get("comment") or ""),
        tuple(descriptions),
    )


# -- reading stored values of any shape -------------------------------------------------------


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _ids(value: Any) -> list[str]:
    """A stored list of ids; anything else is no ids."""
    if isinstance(value, list | tuple):
        return [v for v in value if isinstance(v, str)]
    return []


def _text(value: Any) -> str | None:
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return None


def _number(value: Any, default: float) -> float:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return default


def piece_view(piece: Piece) -> AttemptView:
    """The work beside one piece of rubric grading: the question it answers, the scenario
    path its justification explains, or the project."""
    view = attempt_view(piece.attempt, piece.activity)
    if piece.key.startswith("item:"):
        item_id = piece.key.removeprefix("item:")
        return dataclasses.replace(
            view, questions=tuple(q for q in view.questions if q.anchor == item_id)
        )
    return view
