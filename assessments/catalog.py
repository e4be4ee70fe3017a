"""The tracks on offer: every track under assessments/tracks that loads without problems.

A track with problems is left out (and logged) rather than shown half-built; run
``skillcert content validate`` to see why.
"""

from __future__ import annotations

import functools
import logging
from pathlib import Path

from assessments.loader import load_tracks
from assessments.model import Track

TRACKS_DIR = Path(__file__).resolve().parent / "tracks"

log = logging.getLogger(__name__)


@functools.cache
def list_tracks(tracks_dir: Path = TRACKS_DIR) -> tuple[Track, ...]:
    """Loaded tracks, each with ``.id``, ``.title``, ``.summary`` and ``.audience``."""
    result = load_tracks(tracks_dir)
    for problem in result.problems:
        log.error("track content problem: %s", problem)
    for warning in result.warnings:
        log.warning("track content: %s", warning)
    return result.tracks
