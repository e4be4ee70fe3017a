"""Estimated learning time per activity and track, and the claims register (claims.yaml)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from pathlib import Path

from assessments import effort
from assessments.loader import load_track, summarise
from assessments.model import Claim, Source, Track
from tests.assessments.conftest import plant


def test_an_activity_takes_the_authors_minutes_or_an_estimate_by_kind(sample_track: Track) -> None:
    lab = sample_track.activity("prompt-lab")
    assert effort.minutes(lab) == 45 + 1  # a short brief: one minute's reading
    exam = sample_track.activity("basics-exam")  # a pool shows 2 questions
    words = len(exam.body_html.replace("<", " <").split())
    assert effort.minutes(exam) == math.ceil(words / effort.READING_WORDS_PER_MINUTE + 3)
    assert effort.minutes(dataclasses.replace(exam, minutes=25)) == 25
    (summary,) = summarise([sample_track])
    total = sum(effort.minutes(a) for a in sample_track.activities())
    assert summary["estimated_hours"] == round(total / 60, 1)


def test_minutes_must_be_a_positive_whole_number(broken: Path) -> None:
    line = plant(
        broken, "modules/practice/module.yaml", "    kind: lab\n", "    kind: lab\n    minutes: 0\n"
    )
    problems = [str(p) for p in load_track(broken).problems]
    assert (
        f"sample_track/modules/practice/module.yaml:{line + 1}: "
        "'minutes' must be at least 1, found 0" in problems
    )


def test_the_claims_register_loads_with_its_sources(sample_track: Track) -> None:
    (claim,) = sample_track.claims
    assert claim == Claim(
        id="context-window",
        claim="A chat model sees the conversation so far because it is sent again with every "
        "request.",
        where=("modules/basics/exam.yaml",),
        sources=(
            Source(
                "OpenAI API reference: Chat Completions (messages)",
                "https://platform.openai.com/docs/api-reference/chat/create",
                dt.date(2026, 1, 1),
            ),
        ),
        checked=dt.date(2026, 11, 1),
        review_by=dt.date(2027, 11, 1),
        note="Stable across providers; kept as the register's example.",
    )


def test_a_claim_past_its_review_date_warns_and_still_loads(broken: Path) -> None:
    line = plant(broken, "claims.yaml", "review_by: 2027-11-01", "review_by: 2026-11-02")
    result = load_track(broken, today=dt.date(2026, 12, 6))
    assert result.problems == [] and result.tracks
    assert f"sample_track/claims.yaml:{line}: warning: 'review_by' 2026-11-02 has passed: " in (
        "\n".join(str(w) for w in result.warnings)
    )


def test_a_broken_claims_register_stops_the_track_with_file_and_line(broken: Path) -> None:
    where = plant(broken, "claims.yaml", "[modules/basics/exam.yaml]", "[modules/gone.md]")
    url = plant(
        broken,
        "claims.yaml",
        "url: https://platform.openai.com/docs/api-reference/chat/create",
        "url: platform.openai.com",
    )
    checked = plant(broken, "claims.yaml", "checked: 2026-11-01", "checked: 2027-12-01")
    result = load_track(broken, today=dt.date(2026, 12, 6))
    assert result.tracks == ()
    problems = [str(p) for p in result.problems]
    assert any(p.startswith(f"sample_track/claims.yaml:{where}: 'where'") for p in problems)
    assert (
        f"sample_track/claims.yaml:{url}: 'url' must be a web address, found 'platform.openai.com'"
        in problems
    )
    assert any(p.startswith(f"sample_track/claims.yaml:{checked}: ") for p in problems), problems
