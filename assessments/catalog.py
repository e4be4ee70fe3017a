"""The tracks on offer: one folder per track under assessments/tracks, described by track.yaml."""

from __future__ import annotations

import dataclasses
import functools
from pathlib import Path

import yaml

TRACKS_DIR = Path(__file__).resolve().parent / "tracks"


@dataclasses.dataclass(frozen=True)
class TrackSummary:
    id: str
    title: str
    summary: str
    audience: str


@functools.cache
def list_tracks(tracks_dir: Path = TRACKS_DIR) -> tuple[TrackSummary, ...]:
    tracks = []
    for path in sorted(tracks_dir.glob("*/track.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        tracks.append(
            TrackSummary(
                id=data["id"],
                title=data["title"],
                summary=data["summary"].strip(),
                audience=data["audience"],
            )
        )
    return tuple(tracks)
