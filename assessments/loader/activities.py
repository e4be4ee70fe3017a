"""An activity of a module: the keys every kind shares, then its kind's own (items, a lab, a
scenario, a rubric, a reading level)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TypedDict

from assessments import policy, rubrics, scenarios
from assessments.items import ITEM_TYPES, ItemType
from assessments.loader.reader import TrackReader
from assessments.model import Activity, ActivityKind, Difficulty, Item, Lab
from assessments.rubrics import Rubric
from assessments.scenarios import Scenario
from assessments.spec import Spec

#: Keys only some activity kinds take; others are told the key does not belong to them.
KIND_KEYS: Mapping[ActivityKind, frozenset[str]] = {
    ActivityKind.LESSON: frozenset({"reading_level"}),
    ActivityKind.QUIZ: frozenset({"items", "pool", "competencies"}),
    ActivityKind.EXAM: frozenset({"items", "pool", "competencies"}),
    ActivityKind.LAB: frozenset({"lab", "competencies"}),
    ActivityKind.SCENARIO: frozenset({"scenario", "competencies"}),
    ActivityKind.PROJECT: frozenset({"rubric", "competencies"}),
}
_ALL_KIND_KEYS = frozenset[str]().union(*KIND_KEYS.values())


class _KindFields(TypedDict, total=False):
    """The fields of an ``Activity`` that only some kinds set."""

    competencies: tuple[str, ...]
    items: tuple[Item, ...]
    pool: policy.ItemPool | None
    lab: Lab | None
    scenario: Scenario | None
    rubric: Rubric | None
    reading_level: str | None


def read_activity(reader: TrackReader, spec: Spec, folder: Path) -> Activity | None:
    activity_id, version = spec.ident(), spec.version()
    reader.claim("activity", spec, activity_id)
    kind, title = spec.choice("kind", ActivityKind), spec.text("title")
    body = reader.markdown(spec, "body", folder, required=kind is ActivityKind.LESSON)
    policy_spec = spec.child("policy", None)
    attempt_policy = policy.parse_policy(policy_spec) if policy_spec is not None else None
    minutes = spec.integer("minutes", None, minimum=1)
    if kind is None:
        return None  # the kind decides which other keys are valid: nothing more to check
    for key in sorted(_ALL_KIND_KEYS - KIND_KEYS[kind]):
        if spec.has(key):
            spec.raw(key)
            spec.error(f"a {kind} activity does not take '{key}'", key)
    fields = _kind_fields(reader, spec, folder, kind)
    spec.done()
    if not spec.ok or activity_id is None or version is None or title is None:
        return None
    return Activity(
        activity_id, version, kind, title, body, policy=attempt_policy, minutes=minutes, **fields
    )


def _kind_fields(reader: TrackReader, spec: Spec, folder: Path, kind: ActivityKind) -> _KindFields:
    fields = _KindFields()
    needs_alignment = kind in (ActivityKind.LAB, ActivityKind.SCENARIO, ActivityKind.PROJECT)
    if kind.is_assessed:
        fields["competencies"] = reader.known_competencies(spec, "competencies", needs_alignment)
    if kind.has_items:
        items = _read_items(reader, spec, folder, fields["competencies"])
        fields["items"], fields["pool"] = items, _read_pool(spec)
    elif kind is ActivityKind.LAB and (lab := spec.child("lab")) is not None:
        fields["lab"] = _read_lab(reader, lab)
    elif kind is ActivityKind.SCENARIO and (graph := spec.child("scenario")) is not None:
        fields["scenario"] = scenarios.parse(graph)
    elif kind is ActivityKind.PROJECT and (rubric := spec.child("rubric")) is not None:
        fields["rubric"] = rubrics.parse(rubric)
    elif kind is ActivityKind.LESSON:
        fields["reading_level"] = spec.text("reading_level", None)
    return fields


def _read_items(
    reader: TrackReader, spec: Spec, folder: Path, activity_competencies: tuple[str, ...]
) -> tuple[Item, ...]:
    items = []
    for child in spec.children("items"):
        item = _read_item(reader, child, folder, activity_competencies)
        if item is not None:
            items.append(item)
    return tuple(items)


def _read_pool(spec: Spec) -> policy.ItemPool | None:
    """``pool: {draw}``: each attempt shows ``draw`` of the activity's items."""
    if (pool_spec := spec.child("pool", None)) is None:
        return None
    draw = pool_spec.integer("draw", minimum=1)
    pool_spec.done()
    if draw is not None and draw > len(spec.data.get("items") or ()):
        pool_spec.error(f"'draw' is {draw} but the activity has fewer items", "draw")
        return None
    return None if draw is None else policy.ItemPool(draw)


def _read_item(
    reader: TrackReader, spec: Spec, folder: Path, activity_competencies: tuple[str, ...]
) -> Item | None:
    item_id, version = spec.ident(), spec.version()
    reader.claim("item", spec, item_id)
    item_type = spec.choice("type", ItemType)
    stem = reader.markdown(spec, "stem", folder, required=True)
    points = spec.number("points", 1.0, minimum=0)
    if points == 0:
        spec.error("'points' must be more than 0", "points")
    difficulty = spec.choice("difficulty", Difficulty)
    critical = policy.parse_critical(spec)
    if critical and item_type is ItemType.FREE_RESPONSE:
        # Its score comes from a rubric later: the rubric's criteria carry what is critical.
        spec.error(
            "a free-response item is marked by its rubric: mark a criterion critical", "critical"
        )
    competencies = reader.known_competencies(spec, "competencies", required=False)
    if not competencies and not activity_competencies:
        spec.error("an assessed item must align to at least one competency", "id")
    if item_type is None or points is None:
        return None  # the type decides which other keys are valid: nothing more to check
    definition = ITEM_TYPES[item_type](spec, points)
    if definition is None or item_id is None or version is None or difficulty is None:
        return None
    return Item(
        item_id,
        version,
        item_type,
        stem,
        points,
        competencies or activity_competencies,
        difficulty,
        definition,
        critical,
    )


def _read_lab(reader: TrackReader, spec: Spec) -> Lab | None:
    """The lab folder must hold a valid lab (``assessments.labs`` checks it; we report where)."""
    folder = spec.text("folder")
    files = []
    for value, line in spec.entries("files", required=False):
        if not isinstance(value, str) or not value:
            spec.sink.add(line, f"'files' entries are paths, found {value!r}")
        else:
            files.append(value)
    points = spec.number("points", 100.0, minimum=0)
    spec.done()
    lab = reader.lab_folder(spec, folder) if folder is not None else None
    for name in files:
        reader.inside(spec, "files", name, reader.folder)
    if not spec.ok or folder is None or lab is None or points is None:
        return None
    path = (reader.folder / folder).resolve()
    for name in files:
        if _hands_out_the_key(reader.folder / name, path):
            spec.error(
                f"'files' {name!r} would hand learners the lab's hidden tests, generator, "
                "grader or solutions: list only starter files",
                "files",
            )
    # A parameterised lab's critical tests may be generated: seed 0 stands for every seed.
    cases = lab.instance(0).cases
    critical = tuple((case.name, case.critical) for case in cases if case.critical)
    if not spec.ok:
        return None
    return Lab(folder, path, tuple(files), points, critical)


#: What a lab folder keeps from learners: hidden tests, their generator, the custom grader,
#: and the reference and wrong solutions.
_LAB_SECRETS = ("hidden.yaml", "generator.py", "grader.py", "reference", "wrong")


def _hands_out_the_key(file: Path, lab_folder: Path) -> bool:
    resolved = file.resolve()
    if not resolved.is_relative_to(lab_folder):
        return False
    first = resolved.relative_to(lab_folder).parts[:1]
    return bool(first) and first[0] in _LAB_SECRETS
