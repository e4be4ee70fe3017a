"""Rubrics: totals are checked when loaded; scoring needs a valid level for every criterion."""

from __future__ import annotations

import pytest

from assessments import rubrics
from assessments.model import ResultStatus, Track
from assessments.rubrics import LevelChoice, RubricScoringError
from assessments.spec import Spec


def test_project_rubric_is_pending_until_every_criterion_is_scored(sample_track: Track) -> None:
    rubric = sample_track.activity("capstone-project").rubric
    assert rubric.total == 10
    assert rubrics.pending(rubric).status is ResultStatus.PENDING
    scored = rubrics.score(
        rubric, {"method": LevelChoice("sound", "Clear plan"), "risks": LevelChoice("present")}
    )
    assert (scored.score, scored.max_score, scored.status) == (7, 10, ResultStatus.PARTIAL)
    assert [(c.criterion, c.points, c.comment) for c in scored.criteria] == [
        ("method", 3, "Clear plan"),
        ("risks", 4, ""),
    ]
    with pytest.raises(RubricScoringError, match="Choose a level for: Risks to people"):
        rubrics.score(rubric, {"method": LevelChoice("sound")})
    with pytest.raises(RubricScoringError, match="no level 'great'"):
        rubrics.score(rubric, {"method": LevelChoice("great"), "risks": LevelChoice("absent")})
    with pytest.raises(RubricScoringError, match="no criterion style"):
        rubrics.score(
            rubric,
            {
                "method": LevelChoice("weak"),
                "risks": LevelChoice("absent"),
                "style": LevelChoice("x"),
            },
        )


def test_rubric_definition_problems() -> None:
    spec = Spec.of(
        {
            "total": 3,
            "criteria": [
                {"id": "a", "title": "A", "levels": [{"id": "x", "title": "X", "points": -1}]},
                {"id": "a", "title": "A again", "levels": []},
            ],
        }
    )
    assert rubrics.parse(spec) is None
    assert [p.message for p in spec.sink.problems] == [
        "'points' must be at least 0, found -1",
        "'levels' must not be empty",
        "criterion id 'a' is used twice",
    ]
