"""The tracks on offer: every track under assessments/tracks that loads without problems.

A track with problems is left out (and logged) rather than shown half-built; run
``skillcert content validate`` to see why.
"""

from __future__ import annotations

import contextlib
import functools
import logging
from collections.abc import Iterable
from pathlib import Path

from assessments.labs.spec import LabSpec
from assessments.loader import TRACK_FILE, load_tracks
from assessments.model import Activity, ActivityKind, Track

TRACKS_DIR = Path(__file__).resolve().parent / "tracks"
#: Tracks that only the demo serves, beside the content folder's (``with_demo_tracks``).
DEMO_TRACKS_DIR = Path(__file__).resolve().parent / "demo_tracks"
#: Seeds each lab generator is tried on when the app loads its tracks. ``content validate``
#: and CI try 200 (``GENERATOR_SEEDS_CHECKED``) before content ships; at start-up a few
#: catch a generator broken since, without seconds of start-up time per worker.
STARTUP_GENERATOR_SEEDS = 10

log = logging.getLogger(__name__)


@functools.cache
def list_tracks(tracks_dir: Path = TRACKS_DIR) -> tuple[Track, ...]:
    """Loaded tracks, each with ``.id``, ``.title``, ``.summary`` and ``.audience``."""
    result = load_tracks(tracks_dir, generator_seeds=STARTUP_GENERATOR_SEEDS)
    for problem in result.problems:
        log.error("track content problem: %s", problem)
    for warning in result.warnings:
        log.warning("track content: %s", warning)
    return result.tracks


@functools.cache
def translated_tracks(language: str, tracks_dir: Path = TRACKS_DIR) -> tuple[Track, ...]:
    """``list_tracks`` with each module's texts in ``language`` where its author translated
    them (``translations`` in module.yaml), the original elsewhere."""
    return tuple(track.translated(language) for track in list_tracks(tracks_dir))


@functools.cache
def lab_spec(track_id: str, activity_id: str, tracks_dir: Path = TRACKS_DIR) -> LabSpec | None:
    """The grader spec of a lab activity, or None when the track has no such lab (any more)."""
    found = find_activity(list_tracks(tracks_dir), track_id, activity_id)
    if found is None:
        return None
    activity = found[1]
    if activity.kind is not ActivityKind.LAB or activity.lab is None:
        return None
    return LabSpec.load(activity.lab.path, generator_seeds=STARTUP_GENERATOR_SEEDS)


def with_demo_tracks(tracks_dir: Path, folder: Path) -> Path:
    """``folder`` made a content folder of links to the tracks of ``tracks_dir`` and to the
    demo's own (``DEMO_TRACKS_DIR``, served by ``skillcert serve --demo`` only); returns it.

    Links, not copies: the loader resolves them, so lab and body files stay in their track.
    Made again at every start (links to tracks gone since are removed); a track of
    ``tracks_dir`` wins over a demo track of the same folder name.
    """
    wanted = {
        track_file.parent.name: track_file.parent.resolve()
        for source in (DEMO_TRACKS_DIR, Path(tracks_dir))
        for track_file in sorted(source.glob(f"*/{TRACK_FILE}"))
    }
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    for link in folder.iterdir():
        if link.is_symlink() and wanted.get(link.name) != link.resolve():
            link.unlink(missing_ok=True)
    for name, target in wanted.items():
        with contextlib.suppress(FileExistsError):  # made by a process starting alongside
            (folder / name).symlink_to(target, target_is_directory=True)
    return folder


def find_track(tracks: Iterable[Track], track_id: str) -> Track | None:
    """The track with this id, or None when it is not served (any more)."""
    return next((track for track in tracks if track.id == track_id), None)


def find_activity(
    tracks: Iterable[Track], track_id: str, activity_id: str
) -> tuple[Track, Activity] | None:
    """The track and activity with these ids, or None when either does not exist (any more)."""
    track = find_track(tracks, track_id)
    if track is None:
        return None
    try:
        return track, track.activity(activity_id)
    except KeyError:
        return None
