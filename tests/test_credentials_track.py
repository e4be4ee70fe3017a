"""A track's credential settings: ``credential: {validity_months: N}`` in track.yaml."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

from assessments.loader import load_tracks
from lti_tool.credentials.document import add_months

SAMPLE = Path(__file__).parent / "assessments" / "sample_track"


def load_with(tmp_path: Path, extra: str):
    folder = tmp_path / "tracks" / "sample_track"
    shutil.copytree(SAMPLE, folder)
    track_yaml = folder / "track.yaml"
    track_yaml.write_text(track_yaml.read_text() + extra)
    return load_tracks(tmp_path / "tracks")


def test_validity_defaults_to_36_months_and_a_track_may_set_it(tmp_path):
    default = next(t for t in load_tracks(SAMPLE.parent).tracks if t.id == "sample")
    assert default.credential_validity_months == 36
    result = load_with(tmp_path, "credential:\n  validity_months: 24\n")
    (track,) = result.tracks
    assert track.credential_validity_months == 24


def test_a_bad_validity_is_reported_with_its_line(tmp_path):
    result = load_with(tmp_path, "credential:\n  validity_months: 0\n  renew: yes\n")
    assert result.tracks == ()
    problems = "\n".join(str(p) for p in result.problems)
    assert "'validity_months' must be at least 1" in problems
    assert "renew" in problems


def test_months_are_added_by_the_calendar():
    assert add_months(dt.datetime(2026, 1, 31, tzinfo=dt.UTC), 1).date() == dt.date(2026, 2, 28)
    assert add_months(dt.datetime(2026, 11, 25, tzinfo=dt.UTC), 36).date() == dt.date(2029, 11, 25)
