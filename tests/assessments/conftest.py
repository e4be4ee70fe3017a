"""Fixtures for the engine: the sample track folder, and the track loaded from it."""

from __future__ import annotations

from pathlib import Path

import pytest

from assessments.loader import load_track
from assessments.model import Track

SAMPLE_DIR = Path(__file__).parent / "sample_track"


@pytest.fixture(scope="session")
def sample_track() -> Track:
    result = load_track(SAMPLE_DIR)
    assert result.problems == []
    (track,) = result.tracks
    return track
