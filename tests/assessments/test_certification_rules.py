"""Certification rules: summative and practice work, attempts and cool-down, which attempt
counts, feedback held back until the last attempt, critical checks, activity minimums and
options in a per-learner order."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from assessments.loader import load_track
from assessments.model import Track
from assessments.policy import (
    PRACTICE_POLICY,
    Accommodation,
    ActivityMinimum,
    AttemptPolicy,
    CheckKind,
    CountingRule,
    CriticalCheck,
    FeedbackPolicy,
    Purpose,
    RefusalKind,
    UnmetKind,
    completion,
    completion_points,
    critical_checks,
    seeded_order,
)
from tests.assessments.conftest import plant

NOW = dt.datetime(2027, 3, 1, 12, 0, tzinfo=dt.UTC)
HOUR = dt.timedelta(hours=1)
#: Scores that meet every requirement of the sample track.
PASSING = {"basics-quiz": 0.9, "basics-exam": 0.8, "ethics-scenario": 0.8, "capstone-project": 0.6}


def test_summative_defaults_two_attempts_latest_counts_a_day_apart() -> None:
    policy = AttemptPolicy()
    assert policy.is_summative and policy.counts is CountingRule.LATEST
    assert policy.can_start(0, NOW).allowed
    cooling = policy.can_start(1, NOW, last_finished=NOW - 23 * HOUR)
    assert not cooling.allowed and cooling.reason.kind is RefusalKind.COOLING_DOWN
    assert cooling.reason.when == NOW + HOUR
    assert str(cooling.reason) == "Your next attempt opens on 2027-03-01 at 13:00 UTC."
    assert policy.can_start(1, NOW, last_finished=NOW - 24 * HOUR).allowed
    used_up = policy.can_start(2, NOW, last_finished=NOW - 48 * HOUR)
    assert used_up.reason.kind is RefusalKind.NO_ATTEMPTS_LEFT
    # Accommodations still add attempts; the cool-down applies to them too.
    extra = Accommodation(extra_attempts=1)
    assert policy.can_start(2, NOW, extra, last_finished=NOW - 48 * HOUR).allowed
    assert not policy.can_start(2, NOW, extra, last_finished=NOW - HOUR).allowed


def test_practice_is_free_and_counts_nothing_toward_completion(sample_track: Track) -> None:
    assert PRACTICE_POLICY.purpose is Purpose.PRACTICE
    assert PRACTICE_POLICY.can_start(50, NOW, last_finished=NOW).allowed
    assert PRACTICE_POLICY.reveals_all(0, NOW)
    warm_up = sample_track.activity("warm-up")
    assert warm_up.attempt_policy.purpose is Purpose.PRACTICE
    assert warm_up not in [activity for activity, _ in completion_points(sample_track)]
    # A perfect practice score changes nothing in the module's mean.
    assert completion(sample_track, {**PASSING, "warm-up": 1.0}) == completion(
        sample_track, PASSING
    )


@pytest.mark.parametrize(
    ("rule", "scores", "index", "counted"),
    [
        (CountingRule.LATEST, [0.9, 0.4], 1, 0.4),
        (CountingRule.HIGHEST, [0.9, 0.4, 0.9], 2, 0.9),
        (CountingRule.AVERAGE, [0.9, 0.4], 1, 0.65),
    ],
)
def test_which_attempt_counts_and_whose_critical_checks_stand(
    rule: CountingRule, scores: list[float], index: int, counted: float
) -> None:
    policy = AttemptPolicy(counts=rule, counts_reason="test")
    assert policy.counted_index(scores) == index
    assert policy.counted(scores) == pytest.approx(counted)


def test_feedback_is_held_back_until_the_last_attempt_or_the_close() -> None:
    policy = AttemptPolicy(closes_at=NOW + HOUR)
    assert policy.feedback is FeedbackPolicy.FINAL
    assert not policy.reveals_all(1, NOW)
    assert policy.reveals_all(2, NOW)
    assert not policy.reveals_all(2, NOW, Accommodation(extra_attempts=1))
    assert policy.reveals_all(1, NOW + HOUR)  # closed: no attempt can follow
    assert AttemptPolicy(feedback=FeedbackPolicy.IMMEDIATE).reveals_all(0, NOW)
    assert not AttemptPolicy(max_attempts=None, counts_reason="x").reveals_all(99, NOW)


def test_a_critical_failure_fails_the_activity_whatever_the_total(sample_track: Track) -> None:
    assert completion(sample_track, PASSING).complete
    status = completion(
        sample_track, {**PASSING, "basics-exam": 1.0}, critical_failed={"basics-exam"}
    )
    assert not status.complete
    (unmet,) = status.unmet
    assert unmet.kind is UnmetKind.CRITICAL_FAILED and unmet.title == "Basics exam"
    # The reason names the requirement, never a check (a hidden test's name, an item).
    assert str(unmet) == (
        "Basics exam: a critical check was not passed, so this activity is not passed "
        "whatever its total."
    )
    capstone = completion(sample_track, PASSING, critical_failed={"capstone-project"})
    assert [u.kind for u in capstone.unmet] == [UnmetKind.CRITICAL_FAILED]


def test_a_mandatory_module_needs_its_critical_checks_passed(sample_track: Track) -> None:
    # The ethics scenario waits for grading: its critical checks are not passed yet.
    status = completion(sample_track, {**PASSING, "ethics-scenario": None}).unmet
    assert (UnmetKind.CRITICAL_NOT_PASSED_YET, "The rushed launch") in [
        (u.kind, u.title) for u in status
    ]


def test_activity_minimums_hold_whatever_the_module_mean(sample_track: Track) -> None:
    (basics, *_) = sample_track.completion.modules
    # min_each: 40 for every summative activity; basics-exam names its own 50.
    assert set(basics.minimums) == {
        ActivityMinimum("basics-exam", 50),
        ActivityMinimum("basics-quiz", 40),
    }
    # Below the module mean and the exam's own minimum: both are said.
    unmet = completion(sample_track, {**PASSING, "basics-quiz": 0.9, "basics-exam": 0.45}).unmet
    assert [(u.kind, u.title, u.pass_mark) for u in unmet] == [
        (UnmetKind.MODULE_BELOW_MARK, "Basics", 70),
        (UnmetKind.ACTIVITY_BELOW_MINIMUM, "Basics exam", 50),
    ]
    # A perfect quiz lifts the mean to 74 %, but the exam alone stays below its minimum.
    only_minimum = completion(sample_track, {**PASSING, "basics-quiz": 1.0, "basics-exam": 0.48})
    assert [u.kind for u in only_minimum.unmet] == [UnmetKind.ACTIVITY_BELOW_MINIMUM]
    assert str(only_minimum.unmet[0]) == (
        "Basics exam: 48% so far, 50% needed in this activity on its own."
    )


def test_critical_checks_are_listed_with_their_reasons(sample_track: Track) -> None:
    exam = critical_checks(sample_track.activity("basics-exam"))
    assert exam == (
        CriticalCheck(
            CheckKind.ITEM,
            "e-context",
            "Everything else about prompting rests on knowing what the model sees.",
        ),
    )
    scenario = critical_checks(sample_track.activity("ethics-scenario"))
    assert sorted((c.kind, c.id) for c in scenario) == [
        (CheckKind.DECISION, "request"),
        (CheckKind.ENDING, "bad-end"),
    ]


def test_scenario_critical_decisions_and_endings(sample_track: Track) -> None:
    scenario = sample_track.activity("ethics-scenario").scenario
    run = scenario.choose(scenario.start(), "request", "audit", "Applicants could be harmed.")
    good = scenario.result(scenario.choose(run, "audit", "fix"))
    assert good.critical_failed == ()
    note = scenario.result(scenario.choose(run, "audit", "note"))
    assert note.critical_failed == ("bad-end",)  # a critical ending, after a fine decision
    shipped = scenario.choose(scenario.start(), "request", "ship", "Deadline.")
    assert scenario.result(shipped).critical_failed == ("request", "bad-end")


def test_options_in_a_per_learner_order_stable_on_resume() -> None:
    ids = ["a", "b", "c", "d"]
    first = seeded_order(ids, "7", "quiz", "1", "q1")
    assert seeded_order(list(reversed(ids)), "7", "quiz", "1", "q1") == first  # resume
    assert sorted(first) == ids
    orders = {seeded_order(ids, str(learner), "quiz", "1", "q1") for learner in range(40)}
    assert len(orders) > 6  # different learners see different orders
    positions = {order.index("a") for order in orders}
    assert positions == {0, 1, 2, 3}  # the first option is not always first


@pytest.mark.parametrize(
    ("relative", "old", "new", "message"),
    [
        (
            "modules/basics/exam.yaml",
            "    critical: Everything else about prompting rests on knowing what the model sees.",
            "    critical: true",
            "'critical' needs a one-line reason",
        ),
        (
            "modules/basics/module.yaml",
            "      counts_reason: Low-stakes check of understanding; the module mean also needs "
            "the exam.\n",
            "",
            "summative work counting its 'highest' attempt needs a 'counts_reason'",
        ),
        (
            "modules/ethics/module.yaml",
            "          critical: Shipping an unaudited screening model harms applicants.",
            "          critical: ''",
            "'critical' needs a one-line reason",
        ),
        (
            "modules/capstone/module.yaml",
            "    kind: project\n",
            "    kind: project\n    policy: {purpose: practice}\n",
            "capstone 'capstone-project' must be summative work",
        ),
        (
            "modules/basics/module.yaml",
            "      - id: q-explain\n",
            "      - critical: Explaining is the point.\n        id: q-explain\n",
            "a free-response item is marked by its rubric: mark a criterion critical",
        ),
        (
            "modules/basics/exam.yaml",
            "  feedback: final",
            "  feedback: sometimes",
            "'feedback' must be one of final, immediate",
        ),
    ],
)
def test_content_that_weakens_certification_is_refused_with_its_line(
    broken: Path, relative: str, old: str, new: str, message: str
) -> None:
    line = plant(broken, relative, old, new)
    if "counts_reason" in message:
        line -= 1  # reported at 'counts', the line above the reason that was removed
    problems = [str(p) for p in load_track(broken).problems]
    # The capstone rule lives in track.yaml; the other problems sit on the edited line.
    where = (
        "sample_track/track.yaml:" if "capstone" in message else f"sample_track/{relative}:{line}:"
    )
    assert any(p.startswith(where) and message in p for p in problems), problems


def test_a_required_module_with_only_practice_work_is_refused(broken: Path) -> None:
    for old in ("    kind: scenario\n",):
        plant(broken, "modules/ethics/module.yaml", old, old + "    policy: {purpose: practice}\n")
    problems = [str(p) for p in load_track(broken).problems]
    assert any(
        "module 'ethics' is required but has no summative activity" in p for p in problems
    ), problems


def test_a_lab_may_not_hand_learners_its_hidden_tests_or_solutions(broken: Path) -> None:
    line = plant(
        broken,
        "modules/practice/module.yaml",
        "files: [labs/prompt-lab/starter.py]",
        "files: [labs/prompt-lab/starter.py, labs/prompt-lab/generator.py]",
    )
    problems = [str(p) for p in load_track(broken).problems]
    assert any(
        p.startswith(f"sample_track/modules/practice/module.yaml:{line}:")
        and "would hand learners the lab's hidden tests" in p
        for p in problems
    ), problems


def test_generated_critical_lab_tests_are_counted(sample_track: Track) -> None:
    checks = critical_checks(sample_track.activity("prompt-lab"))
    assert checks and {c.kind for c in checks} == {CheckKind.LAB_TEST}
    assert all(c.reason for c in checks)
