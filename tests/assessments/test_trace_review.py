"""Trace review ("spot the injection"): segments, the failed control and the identifiers."""

from __future__ import annotations

import pytest

from assessments.items import ItemType
from assessments.items.trace_review import TraceReview, parse
from assessments.model import AnswerError, AnswerProblemKind, Track
from assessments.spec import Spec

PERFECT = {
    "segments": ["payload"],
    "control": "trust",
    "identifiers": ["atlas-injection", "owasp-injection"],
}


@pytest.fixture(scope="module")
def review(sample_track: Track) -> TraceReview:
    (item,) = [i for i in sample_track.activity("warm-up").items if i.id == "w-trace"]
    assert item.type == ItemType.TRACE_REVIEW
    return item.definition


def test_a_full_review_earns_every_point(review: TraceReview) -> None:
    outcome = review.score(PERFECT)
    assert outcome.score == 4.0 and outcome.max_score == 4.0


@pytest.mark.parametrize(
    ("answer", "points"),
    [
        ({**PERFECT, "segments": ["ask", "invoice", "payload", "filed"]}, 2.0),  # marks all: 0
        ({**PERFECT, "control": "model"}, 3.0),  # a quarter for the control
        ({**PERFECT, "identifiers": ["atlas-injection"]}, 3.5),  # one of two identifiers
        ({**PERFECT, "identifiers": ["atlas-injection", "atlas-jailbreak"]}, 3.0),  # right - wrong
        ({"control": "trust"}, 1.0),
        ({}, 0.0),
    ],
)
def test_each_part_scores_on_its_own_and_guessing_everything_earns_nothing(
    review: TraceReview, answer: dict, points: float
) -> None:
    assert review.score(answer).score == pytest.approx(points)


def test_feedback_explains_the_missed_injection_and_the_wrong_control(review: TraceReview) -> None:
    feedback = {f.key: f for f in review.score({"control": "rate"}).feedback}
    assert "injected instruction" in feedback["segment:payload"].message
    assert not feedback["control:rate"].correct and feedback["control:trust"].correct


@pytest.mark.parametrize(
    ("answer", "kind"),
    [
        ("payload", AnswerProblemKind.NOT_A_REVIEW),
        ({"segments": ["payload"], "verdict": "x"}, AnswerProblemKind.NOT_A_REVIEW),
        ({"segments": ["nowhere"]}, AnswerProblemKind.UNKNOWN_CHOICE),
        ({"control": "firewall"}, AnswerProblemKind.UNKNOWN_OPTION),
        ({"identifiers": "atlas-injection"}, AnswerProblemKind.NOT_A_LIST),
    ],
)
def test_answers_of_the_wrong_shape_are_refused(review: TraceReview, answer, kind) -> None:
    with pytest.raises(AnswerError) as refused:
        review.score(answer)
    assert refused.value.problem.kind is kind


def _spec(**changes) -> Spec:
    data = {
        "trace": [
            {"role": "tool", "name": "read_email", "segments": [{"id": "a", "text": "hi"}]},
        ],
        "controls": [{"id": "c", "text": "C", "correct": True, "rationale": "r"}],
        "identifiers": [{"id": "i", "text": "I", "correct": True, "rationale": "r"}],
        **changes,
    }
    return Spec.of(data)


def test_definitions_must_name_an_injection_one_control_and_a_tool_name() -> None:
    spec = _spec()
    assert parse(spec, 1.0) is None
    assert "needs at least one segment marked 'injected: true'" in str(spec.sink.problems)
    unnamed = _spec(
        trace=[{"role": "tool", "segments": [{"id": "a", "text": "x", "injected": True}]}],
        controls=[
            {"id": "c", "text": "C", "correct": True, "rationale": "r"},
            {"id": "d", "text": "D", "correct": True, "rationale": "r"},
        ],
    )
    assert parse(unnamed, 1.0) is None
    problems = str(unnamed.sink.problems)
    assert "a tool turn needs the tool's 'name'" in problems
    assert "'controls' needs exactly one correct option, found 2" in problems
