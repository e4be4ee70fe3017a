"""Which track folders to load, and in which order: a track is built after the one it
``extends``, each once, and a loop or a missing parent is a problem of the extending track."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

from assessments.labs.spec import GENERATOR_SEEDS_CHECKED
from assessments.loader.reader import TRACK_FILE, Checks, TrackReader
from assessments.loader.results import LoadResult, TrackReport
from assessments.loader.track import read_track
from assessments.model import Track
from assessments.spec import Problem, Spec


def load_tracks(
    tracks_dir: Path,
    *,
    today: dt.date | None = None,
    generator_seeds: int = GENERATOR_SEEDS_CHECKED,
) -> LoadResult:
    """Load every track folder (one with a ``track.yaml``) directly under ``tracks_dir``.

    ``today`` decides which modules are past their ``review_by`` date (default: today);
    ``generator_seeds``, on how many seeds each lab generator is tried (``LabSpec.load``).
    """
    folders = sorted(p.parent for p in Path(tracks_dir).glob(f"*/{TRACK_FILE}"))
    checks = Checks(today or dt.date.today(), generator_seeds)
    return _load(folders, Path(tracks_dir), checks)


def load_track(track_dir: Path, *, today: dt.date | None = None) -> LoadResult:
    """Load one track folder, plus the sibling tracks it extends (reported and returned too)."""
    track_dir = Path(track_dir)
    siblings = sorted(p.parent for p in track_dir.parent.glob(f"*/{TRACK_FILE}"))
    checks = Checks(today or dt.date.today(), GENERATOR_SEEDS_CHECKED)
    return _load(siblings, track_dir.parent, checks, wanted=track_dir.resolve())


def validate_path(path: Path, *, today: dt.date | None = None) -> LoadResult:
    """Load a track folder, or every track folder under a directory, to see its problems.

    This is ``skillcert content validate PATH``: no ``problems`` means the content is valid
    (``warnings`` may remain). A missing or empty folder is a problem of its own.
    """
    path = Path(path)
    if not path.is_dir():
        return LoadResult((), (Problem(str(path), None, "no such folder"),))
    if (path / TRACK_FILE).is_file():
        return load_track(path, today=today)
    result = load_tracks(path, today=today)
    if not result.reports:
        empty = Problem(str(path), None, f"no track folders (with a {TRACK_FILE}) here")
        return LoadResult((), (empty,))
    return result


@dataclasses.dataclass
class _Header:
    """track.yaml read before its modules: what other tracks need to know about it."""

    folder: Path
    reader: TrackReader
    spec: Spec | None
    id: str | None
    extends: str | None


def _read_header(folder: Path, label_root: Path, checks: Checks) -> _Header:
    reader = TrackReader(folder, label_root, checks)
    spec = reader.read_yaml(folder / TRACK_FILE)
    if spec is None:
        return _Header(folder, reader, None, None, None)
    return _Header(folder, reader, spec, spec.ident("id"), spec.ident("extends", None))


def _load(
    folders: list[Path], label_root: Path, checks: Checks, wanted: Path | None = None
) -> LoadResult:
    headers = [_read_header(folder, label_root, checks) for folder in folders]
    builder = _Builder(headers)
    for header in headers:
        if wanted is None or header.folder.resolve() == wanted:
            builder.build(header)
    # In folder order; with ``wanted``, that track and the tracks it extends.
    return LoadResult(tuple(builder.done[h.folder] for h in headers if h.folder in builder.done))


class _Builder:
    """Builds each track once, after the track it extends."""

    def __init__(self, headers: list[_Header]) -> None:
        self.by_id = _by_id(headers)
        self.done: dict[Path, TrackReport] = {}

    def build(self, header: _Header, chain: tuple[str, ...] = ()) -> TrackReport:
        if header.folder in self.done:
            return self.done[header.folder]
        base = self._base(header, chain)
        track = None
        if header.spec is not None:
            track = read_track(
                header.reader, header.spec, base, track_id=header.id, extends=header.extends
            )
        if any(sink.problems for sink in header.reader.sinks.values()):
            track = None
        report = TrackReport(header.reader.label(header.folder), track, header.reader.reports())
        self.done[header.folder] = report
        return report

    def _base(self, header: _Header, chain: tuple[str, ...]) -> Track | None:
        """The track ``header`` extends, built first; None when it extends none (or a problem
        is recorded on its ``extends``)."""
        if header.spec is None or header.extends is None:
            return None
        name = header.id or "?"  # a track without a valid id can still extend another
        parent = self.by_id.get(header.extends)
        if parent is None:
            header.spec.error(f"extends {header.extends!r}, which is not a track here", "extends")
            return None
        if header.extends in chain or header.extends == header.id:
            loop = " → ".join((*chain, name, header.extends))
            header.spec.error(f"extends forms a loop: {loop}", "extends")
            return None
        base = self.build(parent, (*chain, name)).track
        if base is None:
            header.spec.error(f"extends {header.extends!r}, which has problems", "extends")
        return base


def _by_id(headers: list[_Header]) -> dict[str, _Header]:
    """Headers by track id; a second track with the same id is a problem of its own."""
    by_id: dict[str, _Header] = {}
    for header in headers:
        if header.id is None or header.spec is None:  # an id comes only with a spec
            continue
        if (first := by_id.get(header.id)) is not None:
            where = first.reader.label(first.folder)
            header.spec.error(f"track id {header.id!r} is already used by {where}", "id")
        else:
            by_id[header.id] = header
    return by_id
