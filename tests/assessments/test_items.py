"""Item types: definitions are checked, answers of the wrong shape are refused, scores add up."""

from __future__ import annotations

from typing import Any

import pytest

from assessments.items import ITEM_TYPES, AnswersError, ItemType, score_submission
from assessments.items.free_response import FileAnswer
from assessments.items.short_text import unsafe_pattern
from assessments.model import (
    AnswerError,
    AnswerProblem,
    AnswerProblemKind,
    ResultStatus,
    Track,
)
from assessments.spec import Spec

RUBRIC = {
    "criteria": [{"id": "c", "title": "C", "levels": [{"id": "l", "title": "L", "points": 3}]}]
}


def parse(kind: str, points: float = 1.0, **definition: Any):
    spec = Spec.of(definition)
    parsed = ITEM_TYPES[ItemType(kind)](spec, points)
    return parsed, [p.message for p in spec.sink.problems]


def item(kind: str, points: float = 1.0, **definition: Any):
    parsed, problems = parse(kind, points, **definition)
    assert problems == []
    return parsed


def options(*correct: bool) -> list[dict[str, Any]]:
    return [
        {"id": f"o{i}", "text": f"Option {i}", "correct": c, "rationale": f"why {i}"}
        for i, c in enumerate(correct)
    ]


# -- single and multiple choice ----------------------------------------------------------


def test_single_choice_scores_and_explains_the_chosen_option() -> None:
    q = item("single_choice", 2, options=options(False, True, False))
    right, wrong = q.score("o1"), q.score("o2")
    assert (right.score, right.status) == (2, ResultStatus.CORRECT)
    assert (wrong.score, wrong.status) == (0, ResultStatus.INCORRECT)
    assert [(f.key, f.correct, f.message) for f in wrong.feedback] == [("o2", False, "why 2")]


@pytest.mark.parametrize("answer", ["o9", 1, ["o1"], None])
def test_single_choice_refuses_answers_that_are_not_an_option(answer: object) -> None:
    with pytest.raises(AnswerError):
        item("single_choice", options=options(True, False)).score(answer)


@pytest.mark.parametrize(
    ("definition", "message"),
    [
        ({"options": options(True, True)}, "exactly one correct option, found 2"),
        ({"options": options(True)}, "at least two options"),
        (
            {"options": [{"id": "a", "text": "A", "correct": True}] * 2},
            "'options' id 'a' is used twice",
        ),
        ({"options": options(True, False), "shuffle": True}, "unknown key 'shuffle'"),
        (
            {"options": [{"id": "a", "text": "A", "correct": True}, *options(False)]},
            "option 'a' needs a 'rationale': why it is right or wrong",
        ),
        ({"options": [{"id": "A b", "text": "x", "correct": True}]}, "must be lower-case letters"),
    ],
)
def test_single_choice_definition_problems(definition: dict[str, Any], message: str) -> None:
    parsed, problems = parse("single_choice", **definition)
    assert parsed is None
    assert any(message in p for p in problems), problems


@pytest.mark.parametrize(
    ("rule", "answer", "expected"),
    [
        ("all_or_nothing", ["o0", "o1"], 3.0),
        ("all_or_nothing", ["o0"], 0.0),
        ("per_option", ["o0"], 1.5),
        ("per_option", ["o0", "o1", "o2"], 1.5),  # two right, one wrong: (2 - 1) / 2
        ("per_option", ["o2", "o3"], 0.0),  # floored at zero, not negative
        ("per_option", [], 0.0),
    ],
)
def test_multiple_choice_partial_credit(rule: str, answer: list[str], expected: float) -> None:
    q = item("multiple_choice", 3, options=options(True, True, False, False), partial_credit=rule)
    outcome = q.score(answer)
    assert outcome.score == pytest.approx(expected)
    assert [f.key for f in outcome.feedback] == answer


@pytest.mark.parametrize("answer", ["o0", ["o0", "o0"], ["o0", "zz"], [1], {"o0": 1}])
def test_multiple_choice_refuses_malformed_selections(answer: object) -> None:
    with pytest.raises(AnswerError):
        item("multiple_choice", options=options(True, False)).score(answer)


def test_multiple_choice_needs_a_correct_option_and_a_known_rule() -> None:
    _, problems = parse("multiple_choice", options=options(False, False), partial_credit="some")
    assert any("at least one correct option" in p for p in problems)
    assert any("must be one of all_or_nothing, per_option" in p for p in problems)


# -- numeric -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("mode", "tolerance", "answer", "correct"),
    [
        ("absolute", 0.5, 90.5, True),
        ("absolute", 0.5, 90.6, False),
        ("absolute", 0.5, " 89.5 ", True),
        ("relative", 0.1, 99, True),
        ("relative", 0.1, 98.9, False),  # 110 ± 11
        ("absolute", 0, "1,000", False),
    ],
)
def test_numeric_tolerance(mode: str, tolerance: float, answer: object, correct: bool) -> None:
    answer_key = 90 if mode == "absolute" else 110
    q = item("numeric", answer=answer_key, tolerance=tolerance, tolerance_mode=mode)
    assert q.score(answer).status is (ResultStatus.CORRECT if correct else ResultStatus.INCORRECT)


@pytest.mark.parametrize("answer", ["ninety", True, None, [90], "nan", "inf", "9" * 100])
def test_numeric_refuses_non_numbers(answer: object) -> None:
    with pytest.raises(AnswerError):
        item("numeric", answer=1).score(answer)


def test_numeric_definition_problems() -> None:
    _, problems = parse("numeric", answer="ten", tolerance=-1)
    assert problems == [
        "'answer' must be a number, found text",
        "'tolerance' must be at least 0, found -1",
    ]


# -- short text --------------------------------------------------------------------------

DRIFT = {
    "answers": [
        {"value": "Data drift"},
        {"match": "regex", "value": r"(covariate|dataset) shift"},
        {"value": "drift", "credit": 0.5, "feedback": "Which kind?"},
    ]
}


@pytest.mark.parametrize(
    ("answer", "score"),
    [
        ("data drift", 2),
        ("  DATA\t drift ", 2),
        ("Covariate  Shift", 2),
        ("drift", 1),
        ("concept drift", 0),
        ("covariate shift!", 0),  # fullmatch: no trailing text
        (b"data drift", 2),
    ],
)
def test_short_text_normalises_then_matches(answer: object, score: float) -> None:
    assert item("short_text", 2, **DRIFT).score(answer).score == score


def test_short_text_can_be_case_sensitive() -> None:
    q = item("short_text", case_sensitive=True, answers=[{"value": "HTTP"}])
    assert q.score("HTTP").status is ResultStatus.CORRECT
    assert q.score("http").status is ResultStatus.INCORRECT


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        ("x" * 201, "too long"),
        (b"\xff\xfe", "not UTF-8"),
        ("abc\x00def", "binary"),
        (42, "Expected text"),
    ],
)
def test_short_text_refuses_bad_answers(answer: object, message: str) -> None:
    with pytest.raises(AnswerError, match=message):
        item("short_text", **DRIFT).score(answer)


@pytest.mark.parametrize(
    ("pattern", "refused"),
    [
        (r"(a+)+b", True),
        (r"(\w*x)*", True),
        (r"(a|b+){2,}", True),
        (r"(\w)\1", True),
        ("x" * 201, True),
        (r"(covariate|dataset) shift", False),
        (r"colou?r", False),
        (r"\d{1,3}(\.\d+)?", False),
    ],
)
def test_regex_safety_policy(pattern: str, refused: bool) -> None:
    assert (unsafe_pattern(pattern) is not None) is refused


def test_short_text_reports_bad_patterns_at_load_time() -> None:
    _, problems = parse(
        "short_text",
        answers=[{"match": "regex", "value": "(a+)+"}, {"match": "regex", "value": "("}],
    )
    assert any("can take forever" in p for p in problems)
    assert any("not a valid regular expression" in p for p in problems)
    assert any("at least one answer worth full credit" in p for p in problems)


# -- ordering and matching ---------------------------------------------------------------

STEPS = {"entries": [{"id": k, "text": k.title()} for k in ("a", "b", "c", "d")]}


@pytest.mark.parametrize(
    ("scoring", "answer", "expected"),
    [
        ("exact", ["a", "b", "c", "d"], 1.0),
        ("exact", ["b", "a", "c", "d"], 0.0),
        ("pairwise", ["b", "a", "c", "d"], 5 / 6),
        ("pairwise", ["d", "c", "b", "a"], 0.0),
        ("position", ["b", "a", "c", "d"], 0.5),
        ("position", ["d", "a", "b", "c"], 0.0),
    ],
)
def test_ordering_scores(scoring: str, answer: list[str], expected: float) -> None:
    outcome = item("ordering", scoring=scoring, **STEPS).score(answer)
    assert outcome.score == pytest.approx(expected)
    assert [f.correct for f in outcome.feedback] == [
        k == e for k, e in zip(answer, "abcd", strict=True)
    ]


@pytest.mark.parametrize(
    "answer", [["a", "b", "c"], ["a", "a", "b", "c"], "abcd", ["a", "b", "c", "x"]]
)
def test_ordering_needs_every_entry_once(answer: object) -> None:
    with pytest.raises(AnswerError):
        item("ordering", **STEPS).score(answer)


PAIRS = {
    "responses": [{"id": r, "text": r} for r in ("one", "two", "three")],
    "prompts": [
        {"id": "p1", "text": "1", "answer": "one", "rationale": "One is 1."},
        {"id": "p2", "text": "2", "answer": "two"},
    ],
}


def test_matching_per_match_and_all_or_nothing() -> None:
    per_match = item("matching", 4, **PAIRS)
    outcome = per_match.score({"p1": "one", "p2": "three"})
    assert outcome.score == 2 and outcome.status is ResultStatus.PARTIAL
    assert [(f.key, f.correct, f.message) for f in outcome.feedback] == [
        ("p1", True, "One is 1."),
        ("p2", False, ""),
    ]
    strict = item("matching", 4, scoring="all_or_nothing", **PAIRS)
    assert strict.score({"p1": "one", "p2": "three"}).score == 0
    assert strict.score({"p2": "two", "p1": "one"}).score == 4


@pytest.mark.parametrize(
    "answer", [{"p1": "one"}, {"p1": "one", "p2": "zz"}, ["one", "two"], {"p1": "one", "p2": 2}]
)
def test_matching_refuses_incomplete_or_unknown_pairs(answer: object) -> None:
    with pytest.raises(AnswerError):
        item("matching", **PAIRS).score(answer)


def test_matching_answer_must_be_a_response() -> None:
    bad = {**PAIRS, "prompts": [{"id": "p1", "text": "1", "answer": "four"}]}
    _, problems = parse("matching", **bad)
    assert problems == ["'answer' 'four' is not one of the responses"]


# -- free response -----------------------------------------------------------------------


def test_free_response_is_pending_until_graded() -> None:
    outcome = item("free_response", 3, rubric=RUBRIC).score("Because it is unseen data.")
    assert outcome.status is ResultStatus.PENDING and outcome.fraction is None
    assert outcome.max_score == 3


@pytest.mark.parametrize("answer", ["   ", "x" * 5001, b"\x00\x01", 7])
def test_free_text_refuses_empty_oversized_or_binary(answer: object) -> None:
    with pytest.raises(AnswerError):
        item("free_response", rubric=RUBRIC).score(answer)


def test_file_answers_are_checked_for_type_and_size() -> None:
    q = item("free_response", rubric=RUBRIC, accept="file", max_bytes=10, file_types=["pdf"])
    assert q.score(FileAnswer("Plan.PDF", b"%PDF-1.7")).status is ResultStatus.PENDING
    for bad, message in [
        (FileAnswer("plan.docx", b"abc"), r"type \.pdf"),
        (FileAnswer("plan.pdf", b"x" * 11), "too large"),
        (FileAnswer("plan.pdf", b""), "empty"),
        ("some text", "Attach a file"),
    ]:
        with pytest.raises(AnswerError, match=message):
            q.score(bad)


def test_free_response_checks_its_rubric_total() -> None:
    _, problems = parse("free_response", rubric={**RUBRIC, "total": 5})
    assert problems == ["rubric total is 5 but its criteria add up to 3"]


# -- a whole submission ------------------------------------------------------------------


def test_a_submission_is_scored_whole_or_not_at_all(sample_track: Track) -> None:
    quiz = sample_track.activity("basics-quiz")
    answers = {
        "q-temperature": "zero",
        "q-eval-methods": ["holdout"],
        "q-accuracy": "90.2",
        "q-drift": "covariate shift",
        "q-steps": ["define", "collect", "run", "compare"],
        "q-roles": {"system": "rules", "user": "asks", "assistant": "nothing"},
        "q-explain": "Unseen data shows how the model generalises.",
    }
    outcome = score_submission(quiz.items, answers)
    assert outcome.results["q-eval-methods"].score == 0.5
    assert outcome.results["q-roles"].score == pytest.approx(2 / 3)
    assert outcome.score == pytest.approx(4 + 0.5 + 2 / 3)
    assert outcome.max_score == 10 and outcome.status is ResultStatus.PENDING

    without_essay = {k: v for k, v in answers.items() if k != "q-explain"}
    assert score_submission(quiz.items, without_essay).status is ResultStatus.PARTIAL

    bad = {**answers, "q-accuracy": "ninety", "q-drift": b"\xff", "q-extra": 1}
    with pytest.raises(AnswersError) as caught:
        score_submission(quiz.items, bad)
    assert sorted(caught.value.errors) == ["q-accuracy", "q-drift", "q-extra"]
    # Each problem is data (the web layer words it); str() is the English sentence.
    assert caught.value.errors["q-accuracy"].kind is AnswerProblemKind.NUMBER_FORMAT
    assert caught.value.errors["q-extra"] == AnswerProblem(AnswerProblemKind.NOT_A_QUESTION)
    assert str(caught.value.errors["q-drift"]).startswith("This answer is not UTF-8 text")
