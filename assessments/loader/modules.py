"""modules/<id>/module.yaml: a module's facts, its activities (inline or in files of their
own) and its translations."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from assessments.loader.activities import read_activity
from assessments.loader.reader import MODULE_FILE, TrackReader
from assessments.loader.translations import read_translations
from assessments.model import Activity, Module
from assessments.spec import Spec


def read_module(
    reader: TrackReader, track_id: str | None, module_id: str, track_spec: Spec, line: int | None
) -> Module | None:
    """The module in folder ``modules/<module_id>``, which track.yaml lists at ``line``."""
    folder = reader.folder / "modules" / module_id
    if not (folder / MODULE_FILE).is_file():
        track_spec.sink.add(
            line, f"module {module_id!r}: no file modules/{module_id}/{MODULE_FILE}"
        )
        return None
    spec = reader.read_yaml(folder / MODULE_FILE)
    if spec is None:
        return None
    found_id = spec.ident()
    if found_id is not None and found_id != module_id:
        spec.error(f"module id {found_id!r} must match its folder name {module_id!r}", "id")
    reader.claim("module", spec, found_id)
    version, title = spec.version(), spec.text("title")
    summary = spec.text("summary", "")
    reviewed, review_by = reader.review_dates(spec)
    activities, activity_ids = _read_activities(reader, spec, folder)
    translations = read_translations(
        reader, spec, folder, activity_ids, {a.id: a for a in activities}
    )
    spec.done()
    if (
        not spec.ok
        or found_id is None
        or version is None
        or title is None
        or summary is None
        or track_id is None
        or reviewed is None
        or review_by is None
    ):
        return None
    return Module(
        found_id,
        version,
        title,
        summary.strip(),
        tuple(activities),
        track_id,
        reviewed=reviewed,
        review_by=review_by,
        translations=translations,
    )


def _read_activities(
    reader: TrackReader, spec: Spec, folder: Path
) -> tuple[list[Activity], set[str] | None]:
    """The module's activities that loaded, and the ids all of them give, loaded or not
    (None when an included file is unreadable, so some ids are unknown)."""
    activities = []
    activity_ids: set[str] | None = set()
    for value, entry_line in spec.entries("activities"):
        entry_spec = Spec(value, spec.sink, entry_line)
        included = isinstance(value, Mapping) and set(value) == {"file"}
        activity_spec = _included(reader, entry_spec, folder) if included else entry_spec
        if activity_spec is None:
            activity_ids = None
            continue
        if activity_ids is not None:
            activity_ids.add(str(activity_spec.data.get("id")))
        activity = read_activity(reader, activity_spec, folder)
        if activity is not None:
            activities.append(activity)
    return activities, activity_ids


def _included(reader: TrackReader, entry: Spec, folder: Path) -> Spec | None:
    """An activity kept in a file of its own: ``- file: exam.yaml``."""
    name = entry.text("file")
    entry.done()
    path = reader.inside(entry, "file", name, folder) if name else None
    return reader.read_yaml(path) if path is not None else None
