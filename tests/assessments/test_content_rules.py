"""Rules the real tracks are held to: review dates, difficulty, teaching feedback, balance of
practical work, renewal, specialisations and accessibility. Each test plants one mistake in
a copy of the sample track and expects it reported at its file and line."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from assessments import policy
from assessments.loader import load_track, load_tracks, summarise
from assessments.markdown import images_without_alt
from assessments.model import Difficulty, Track
from tests.assessments.conftest import SPECIALISATION_DIR, plant

BASICS = "modules/basics/module.yaml"
WHATS_NEW = "modules/whats-new/module.yaml"
TODAY = dt.date(2027, 1, 15)  # the sample's modules are due for review after this


def problems(folder: Path, today: dt.date = TODAY) -> list[str]:
    return [str(p) for p in load_track(folder, today=today).problems]


def reported(folder: Path, file: str, line: int, message: str) -> None:
    """Exactly one problem, at ``file:line``, containing ``message``."""
    found = problems(folder)
    assert len(found) == 1, found
    assert found[0].startswith(f"sample_track/{file}:{line}: ") and message in found[0], found


# -- review dates ------------------------------------------------------------------------


def test_modules_carry_their_review_dates(sample_track: Track) -> None:
    basics = sample_track.module("basics")
    assert (basics.reviewed, basics.review_by) == (dt.date(2026, 11, 1), dt.date(2027, 11, 1))


def test_review_dates_are_required(broken: Path) -> None:
    plant(broken, BASICS, "reviewed: 2026-11-01\n", "")
    reported(broken, BASICS, 1, "'reviewed' is required")


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("2026-10-01", "'review_by' (2026-10-01) must be after 'reviewed' (2026-11-01)"),
        ("next year", "'review_by' must be a date like 2026-01-31, found 'next year'"),
        ("2027-11-01T09:00:00", "'review_by' must be a date like 2026-01-31"),
    ],
)
def test_review_by_must_be_a_later_date(broken: Path, value: str, message: str) -> None:
    line = plant(broken, BASICS, "review_by: 2027-11-01", f"review_by: {value}")
    reported(broken, BASICS, line, message)


def test_a_passed_review_date_warns_but_still_loads(broken: Path) -> None:
    line = plant(broken, WHATS_NEW, "review_by: 2027-05-01", "review_by: 2027-01-01")
    result = load_track(broken, today=TODAY)
    assert result.problems == []
    assert [t.id for t in result.tracks] == ["sample"]
    assert [str(w) for w in result.warnings] == [
        f"sample_track/{WHATS_NEW}:{line}: warning: 'review_by' 2027-01-01 has passed: "
        "check the module's facts, then update 'reviewed' and 'review_by'"
    ]
    assert load_track(broken, today=dt.date(2026, 12, 31)).warnings == []


# -- items: difficulty and feedback that teaches -----------------------------------------


def test_items_carry_a_difficulty(sample_track: Track) -> None:
    levels = {i.id: i.difficulty for a in sample_track.activities() for i in a.items}
    assert levels["q-explain"] is Difficulty.ADVANCED
    assert set(levels.values()) == set(Difficulty)


def test_difficulty_is_required(broken: Path) -> None:
    line = plant(broken, BASICS, "        difficulty: advanced\n", "")
    reported(broken, BASICS, line - 3, "'difficulty' is required")  # at the item's id


def test_difficulty_is_one_of_three_levels(broken: Path) -> None:
    line = plant(broken, BASICS, "difficulty: advanced", "difficulty: hard")
    reported(
        broken,
        BASICS,
        line,
        "'difficulty' must be one of introductory, intermediate, advanced, found 'hard'",
    )


@pytest.mark.parametrize(
    ("file", "rationale", "option", "lines_above"),
    [
        (
            "modules/basics/exam.yaml",  # single choice: id, text, rationale
            "        rationale: Weights are fixed after training; a conversation does not "
            "change them.\n",
            "weights",
            2,
        ),
        (  # multiple choice: id, text, correct, rationale
            BASICS,
            "            rationale: Rotating the held-out part uses small data sets well.\n",
            "crossval",
            3,
        ),
    ],
)
def test_every_choice_explains_why_it_is_right_or_wrong(
    broken: Path, file: str, rationale: str, option: str, lines_above: int
) -> None:
    line = plant(broken, file, rationale, "")
    message = f"option '{option}' needs a 'rationale': why it is right or wrong"
    reported(broken, file, line - lines_above, message)


# -- balance: practical share and kinds of evidence per competency -----------------------


def test_completion_points_follow_how_completion_decides(sample_track: Track) -> None:
    points = {a.id: p for a, p in policy.completion_points(sample_track)}
    # Each requirement is worth 100, shared equally by a required module's assessed work.
    assert points == {
        "basics-quiz": 50,
        "basics-exam": 50,
        "ethics-scenario": 100,
        "capstone-project": 100,
    }
    assert policy.practical_share(sample_track) == pytest.approx(200 / 300)


def test_a_track_with_no_completion_rules_has_no_practical_share(broken: Path) -> None:
    plant(broken, "track.yaml", "  capstone:\n    activity: capstone-project\n", "  capstone:\n")
    text = (broken / "track.yaml").read_text(encoding="utf-8")
    start, end = text.index("completion:"), text.index("renewal:")
    (broken / "track.yaml").write_text(text[:start] + text[end:], encoding="utf-8")
    (track,) = load_track(broken, today=TODAY).tracks
    assert policy.practical_share(track) == 0.0


def test_competencies_assessed_by_one_kind_are_listed(broken: Path) -> None:
    plant(
        broken,
        "track.yaml",
        "competencies:\n",
        "competencies:\n  - {id: safety, title: Safety}\n  - {id: unused, title: Unused}\n",
    )
    plant(broken, "modules/capstone/module.yaml", "[evaluation, ethics]", "[evaluation, safety]")
    (track,) = load_track(broken, today=TODAY).tracks
    (row,) = summarise([track])
    # ethics now has only the scenario; safety only the project; unused nothing at all
    assert row["competencies_with_fewer_than_two_kinds"] == ["safety", "unused", "ethics"]


# -- renewal -----------------------------------------------------------------------------


def test_renewal_names_modules_and_credits(sample_track: Track) -> None:
    renewal = sample_track.renewal
    assert renewal is not None and renewal.credits_required == 2
    assert [(m.module, m.credits) for m in renewal.modules] == [("whats-new", 1), ("ethics", 1.5)]


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            "{module: whats-new, credits: 1}",
            "{module: whats-old, credits: 1}",
            "'whats-old' is not",
        ),
        ("{module: ethics, credits: 1.5}", "{module: whats-new, credits: 1.5}", "listed twice"),
        (
            "{module: ethics, credits: 1.5}",
            "{module: ethics, credits: 0}",
            "'credits' must be more",
        ),
        (
            "credits_required: 2",
            "credits_required: 3",
            "needs 3 credits but its modules offer only 2.5",
        ),
    ],
)
def test_renewal_problems(broken: Path, old: str, new: str, message: str) -> None:
    line = plant(broken, "track.yaml", old, new)
    reported(broken, "track.yaml", line, message)


# -- specialisations ---------------------------------------------------------------------


def test_a_specialisation_loads_next_to_its_core() -> None:
    result = load_tracks(SPECIALISATION_DIR.parent, today=TODAY)
    assert result.problems == []
    rows = {row["id"]: row for row in summarise(result.tracks)}
    special = rows["sample-special"]
    assert special["extends"] == "sample"
    assert special["modules"] == rows["sample"]["modules"] + 1
    assert special["competencies"] == rows["sample"]["competencies"] + 1
    # basics 0 + ethics 100 + deploy 50 (quiz 50, project 50) + capstone 100, of 400
    assert special["practical_share"] == 0.625
    assert special["renewal_modules"] == 0  # renewal, like completion, is the track's own


# -- accessibility -----------------------------------------------------------------------


def test_images_without_alt_text_are_found_on_their_line() -> None:
    text = (
        'Intro\n![](a.png) and ![ok](b.png)\n\n| x |\n|---|\n| ![ ](c.png) |\n\n<img src="d.png">\n'
    )
    assert images_without_alt(text) == [(2, "a.png"), (6, "c.png"), (8, "d.png")]
    assert images_without_alt('![chart](a.png) <img src="b.png" alt="bars">') == []


def test_an_image_without_alt_text_in_a_markdown_file_is_refused(broken: Path) -> None:
    line = plant(
        broken,
        "modules/whats-new/whats-new.md",
        "![A line chart: the price per million tokens falls by half over the year]",
        "![]",
    )
    reported(broken, "modules/whats-new/whats-new.md", line, "image 'price-chart.png' has no alt")


def test_an_image_without_alt_text_in_yaml_is_refused(broken: Path) -> None:
    line = plant(
        broken,
        BASICS,
        "rationale: Too few to tell anything.",
        "rationale: \"Too few to tell anything. <img src='few.png'>\"",
    )
    reported(broken, BASICS, line, "image 'few.png' has no alt text")


def test_lessons_may_note_a_reading_level(sample_track: Track) -> None:
    assert sample_track.activity("whats-new-lesson").reading_level == "grade 6-8"
    assert sample_track.activity("intro").reading_level is None


def test_only_lessons_take_a_reading_level(broken: Path) -> None:
    line = plant(broken, BASICS, "    kind: quiz\n", "    kind: quiz\n    reading_level: grade 3\n")
    reported(broken, BASICS, line + 1, "a quiz activity does not take 'reading_level'")
