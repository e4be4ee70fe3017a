"""Track content from files: one folder per track, YAML for structure, Markdown for prose.

Layout of a track folder::

    track.yaml                    id, version, title, competencies, modules, completion
    claims.yaml                   optional: the claims register (dated facts and sources)
    modules/<module-id>/module.yaml   id, version, title, activities (inline or `file:`),
                                  optional `translations` of its texts (docs/authoring.md)
    modules/<module-id>/*.md      lesson bodies and item stems (`body_file`, `stem_file`)
    labs/<lab-id>/                lab folders (lab.yaml, hidden.yaml, …; see docs/labs.md)

Loading validates everything and reports every problem at once, as ``file:line: message``
(lines come from PyYAML's node marks). A track with any problem is not loaded at all — the
caller gets its problems and no ``Track`` — so a half-valid track never reaches learners.
Warnings (a module past its ``review_by`` date) are reported apart and never block loading.
Results are also kept per file (``FileReport``), in the spirit of PrairieLearn's sync.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import logging
from collections.abc import Hashable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

import yaml

from assessments import effort, policy, rubrics, scenarios, translation
from assessments.items import ITEM_TYPES, ItemType
from assessments.labs.spec import GENERATOR_SEEDS_CHECKED, LabSpec, LabSpecError
from assessments.markdown import images_without_alt, render
from assessments.model import (
    TRANSLATION_LANGUAGES,
    Activity,
    ActivityKind,
    Claim,
    Competency,
    Difficulty,
    Item,
    Lab,
    Module,
    ModuleTranslation,
    Source,
    Track,
)
from assessments.spec import LineList, LineMap, Problem, ProblemSink, Spec, unique

log = logging.getLogger(__name__)

TRACK_FILE = "track.yaml"
CLAIMS_FILE = "claims.yaml"
MODULE_FILE = "module.yaml"
MAX_FILE_BYTES = 5_000_000  #: a content file larger than this is refused, not parsed

#: Keys only some activity kinds take; others are told the key does not belong to them.
KIND_KEYS: Mapping[ActivityKind, frozenset[str]] = {
    ActivityKind.LESSON: frozenset({"reading_level"}),
    ActivityKind.QUIZ: frozenset({"items", "pool", "competencies"}),
    ActivityKind.EXAM: frozenset({"items", "pool", "competencies"}),
    ActivityKind.LAB: frozenset({"lab", "competencies"}),
    ActivityKind.SCENARIO: frozenset({"scenario", "competencies"}),
    ActivityKind.PROJECT: frozenset({"rubric", "competencies"}),
}
_ALL_KIND_KEYS = frozenset().union(*KIND_KEYS.values())


# -- results -----------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True, slots=True)
class FileReport:
    path: str
    problems: tuple[Problem, ...]
    warnings: tuple[Problem, ...] = ()


@dataclasses.dataclass(frozen=True, slots=True)
class TrackReport:
    """What became of one track folder: the track, or its problems file by file."""

    folder: str
    track: Track | None
    files: tuple[FileReport, ...]

    @property
    def problems(self) -> list[Problem]:
        return [problem for report in self.files for problem in report.problems]

    @property
    def warnings(self) -> list[Problem]:
        return [warning for report in self.files for warning in report.warnings]


@dataclasses.dataclass(frozen=True, slots=True)
class LoadResult:
    reports: tuple[TrackReport, ...]
    extra_problems: tuple[Problem, ...] = ()  #: problems that belong to no track folder

    @property
    def tracks(self) -> tuple[Track, ...]:
        return tuple(r.track for r in self.reports if r.track is not None)

    @property
    def problems(self) -> list[Problem]:
        """Errors: a track with any of them was not loaded."""
        return [*self.extra_problems, *(p for r in self.reports for p in r.problems)]

    @property
    def warnings(self) -> list[Problem]:
        """To fix soon, but the tracks loaded anyway."""
        return [w for r in self.reports for w in r.warnings]


# -- public functions --------------------------------------------------------------------


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
    checks = _Checks(today or dt.date.today(), generator_seeds)
    return _load(folders, Path(tracks_dir), checks)


def load_track(track_dir: Path, *, today: dt.date | None = None) -> LoadResult:
    """Load one track folder, plus the sibling tracks it extends (reported and returned too)."""
    track_dir = Path(track_dir)
    siblings = sorted(p.parent for p in track_dir.parent.glob(f"*/{TRACK_FILE}"))
    checks = _Checks(today or dt.date.today(), GENERATOR_SEEDS_CHECKED)
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


def summarise(tracks: Iterable[Track]) -> list[dict[str, Any]]:
    """Per track: counts and balance; this is ``skillcert content list --json``.

    ``practical_share`` is ``policy.practical_share`` (see ``policy.completion_points`` for
    which points count), rounded to 3 places.
    """
    rows = []
    for track in tracks:
        activities = list(track.activities())

        def count(kind: ActivityKind, activities: list[Activity] = activities) -> int:
            return sum(1 for a in activities if a.kind is kind)

        renewal = track.renewal
        rows.append(
            {
                "id": track.id,
                "version": str(track.version),
                "title": track.title,
                "extends": track.extends,
                "modules": len(track.modules),
                "lessons": count(ActivityKind.LESSON),
                "items": sum(len(a.items) for a in activities),
                "labs": count(ActivityKind.LAB),
                "scenarios": count(ActivityKind.SCENARIO),
                "projects": count(ActivityKind.PROJECT),
                "quizzes": count(ActivityKind.QUIZ),
                "exams": count(ActivityKind.EXAM),
                "competencies": len(track.competencies),
                "practical_share": round(policy.practical_share(track), 3),
                "competencies_with_fewer_than_two_kinds": _thinly_assessed(track, activities),
                "renewal_modules": len(renewal.modules) if renewal else 0,
                "renewal_credits_required": renewal.credits_required if renewal else None,
                "estimated_hours": round(sum(map(effort.minutes, activities)) / 60, 1),
                "claims": len(track.claims),
            }
        )
    return rows


def _thinly_assessed(track: Track, activities: list[Activity]) -> list[str]:
    """Competencies assessed by fewer than two distinct activity kinds (quiz and exam are
    two kinds): one kind of evidence alone is too narrow to certify a competency on."""
    kinds: dict[str, set[ActivityKind]] = {c.id: set() for c in track.competencies}
    for activity in activities:
        for competency in activity.aligned_competencies:
            kinds[competency].add(activity.kind)
    return [competency for competency, found in kinds.items() if len(found) < 2]


def coverage_markdown(track: Track) -> str:
    """A Markdown table of the track's competencies and the activity kinds that assess them,
    summative and practice apart (``skillcert content coverage``; docs/tracks.md holds it)."""
    # id → (summative, practice) counts per activity kind
    kinds: dict[str, tuple[dict[ActivityKind, int], dict[ActivityKind, int]]] = {
        c.id: ({}, {}) for c in track.competencies
    }
    for activity in track.activities():
        if not activity.kind.is_assessed:
            continue
        side = 0 if policy.counts_toward_completion(activity) else 1
        for competency in activity.aligned_competencies:
            counted = kinds[competency][side]
            counted[activity.kind] = counted.get(activity.kind, 0) + 1

    def listed(counts: dict[ActivityKind, int]) -> str:
        return ", ".join(f"{kind.value} ({n})" for kind, n in sorted(counts.items())) or "—"

    rows = [
        "| Competency | Assessed by (counts toward the credential) | Practised in |",
        "|---|---|---|",
        *(
            f"| `{c.id}` {c.title} | {listed(kinds[c.id][0])} | {listed(kinds[c.id][1])} |"
            for c in track.competencies
        ),
    ]
    return "\n".join(rows)


# -- YAML with line numbers --------------------------------------------------------------


class _LineLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """Safe YAML whose mappings and sequences remember their lines (see ``LineMap``)."""


def _construct_mapping(loader: yaml.SafeLoader, node: yaml.MappingNode) -> LineMap:
    loader.flatten_mapping(node)
    mapping = LineMap()
    mapping.line = node.start_mark.line + 1
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        line = key_node.start_mark.line + 1
        if not isinstance(key, Hashable):
            raise yaml.MarkedYAMLError(
                problem="a key must be plain text", problem_mark=key_node.start_mark
            )
        if key in mapping:
            mapping.duplicates.append((key, line))
        mapping[key] = loader.construct_object(value_node, deep=True)
        mapping.key_lines[key] = line
    return mapping


def _construct_sequence(loader: yaml.SafeLoader, node: yaml.SequenceNode) -> LineList:
    sequence = LineList(loader.construct_object(child, deep=True) for child in node.value)
    sequence.line = node.start_mark.line + 1
    sequence.lines = [child.start_mark.line + 1 for child in node.value]
    return sequence


_LineLoader.add_constructor("tag:yaml.org,2002:map", _construct_mapping)
_LineLoader.add_constructor("tag:yaml.org,2002:seq", _construct_sequence)


# -- one track ---------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class _Checks:
    """What a load checks against: the date for review-by warnings, and how many seeds each
    lab generator is tried on."""

    today: dt.date
    generator_seeds: int


class _TrackReader:
    """Reads one track folder; collects problems per file; claims ids across the track."""

    def __init__(self, folder: Path, label_root: Path, checks: _Checks) -> None:
        self.folder = folder
        self.today = checks.today  #: modules with an earlier ``review_by`` get a warning
        self.generator_seeds = checks.generator_seeds
        self.root = folder.resolve()
        self.label_root = label_root
        self.sinks: dict[str, ProblemSink] = {}
        self.competencies: set[str] = set()
        self.claimed: dict[tuple[str, str], str] = {}  # (what, id) → where it was defined
        self.unreadable = False  #: a file could not be parsed, so some ids are unknown

    def label(self, path: Path) -> str:
        try:
            return path.relative_to(self.label_root).as_posix()
        except ValueError:
            return path.as_posix()

    def sink(self, path: Path) -> ProblemSink:
        label = self.label(path)
        if label not in self.sinks:
            # A file named inside this one (a rubric's exemplar) is relative to its folder.
            read = functools.partial(self.markdown_file, base=path.parent)
            self.sinks[label] = ProblemSink(label, read)
        return self.sinks[label]

    def read_yaml(self, path: Path) -> Spec | None:
        sink = self.sink(path)
        try:
            if path.stat().st_size > MAX_FILE_BYTES:
                sink.add(None, f"file is larger than {MAX_FILE_BYTES:,} bytes")
                return None
            data = yaml.load(path.read_bytes(), Loader=_LineLoader)  # noqa: S506 (safe: _LineLoader)
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            sink.add(mark.line + 1 if mark else None, f"not valid YAML: {exc.problem or exc}")
        except (yaml.YAMLError, UnicodeDecodeError, OSError) as exc:
            sink.add(None, f"cannot be read: {exc}")
        else:
            for text, line in _strings(data, 1):
                _report_images_without_alt(sink, text, field_line=line)
            return Spec(data, sink, 1)
        self.unreadable = True
        return None

    def inside(self, spec: Spec, key: str, relative: str, base: Path) -> Path | None:
        """A file an author refers to: must exist and stay inside the track folder."""
        path = (base / relative).resolve()
        if not path.is_relative_to(self.root):
            spec.error(f"'{key}' {relative!r} points outside the track folder", key)
        elif not path.is_file():
            spec.error(f"'{key}' {relative!r}: no such file in the track", key)
        else:
            return path
        return None

    def lab_folder(self, spec: Spec, relative: str) -> LabSpec | None:
        """The lab in a folder inside the track; its problems are reported here."""
        path = (self.folder / relative).resolve()
        if not path.is_relative_to(self.root):
            spec.error(f"'folder' {relative!r} points outside the track folder", "folder")
            return None
        if not path.is_dir():
            spec.error(f"'folder' {relative!r}: no such folder in the track", "folder")
            return None
        try:
            return LabSpec.load(path, generator_seeds=self.generator_seeds)
        except LabSpecError as exc:
            for problem in exc.problems:
                spec.error(f"lab {relative}: {problem}", "folder")
            return None

    def markdown(self, spec: Spec, key: str, base: Path, *, required: bool) -> str:
        """``key`` (inline Markdown) or ``key_file`` (a .md file), rendered and sanitised."""
        file_key = f"{key}_file"
        if spec.has(key) and spec.has(file_key):
            spec.error(f"give '{key}' or '{file_key}', not both", file_key)
        if spec.has(file_key):
            return self.markdown_file(spec, file_key, base)
        if not spec.has(key):
            if required:
                spec.error(f"'{key}' (Markdown) or '{file_key}' (a .md file) is required")
            return ""
        text = spec.text(key)
        return render(text) if text else ""

    def markdown_file(self, spec: Spec, key: str, base: Path) -> str:
        """The .md file named by ``key``, relative to ``base``, rendered and sanitised."""
        name = spec.text(key)
        path = self.inside(spec, key, name, base) if name else None
        if path is None:
            return ""
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            spec.error(f"'{key}' {name!r} is not UTF-8 text", key)
            return ""
        _report_images_without_alt(self.sink(path), text)
        return render(text)

    def claim(self, what: str, spec: Spec, value: str | None) -> None:
        """Ids must be unique within a track (including the modules it inherits)."""
        if value is None:
            return
        where = f"{spec.sink.file}:{spec.line_of('id')}"
        first = self.claimed.setdefault((what, value), where)
        if first != where:
            spec.error(f"{what} id {value!r} is already used at {first}", "id")

    def known_competencies(self, spec: Spec, key: str, required: bool) -> tuple[str, ...]:
        ids = spec.ids(key, required=required)
        for unknown in [c for c in ids if c not in self.competencies]:
            spec.error(f"competency {unknown!r} is not in the track's framework", key)
        return ids

    def reports(self) -> tuple[FileReport, ...]:
        return tuple(
            FileReport(label, _by_line(s.problems), _by_line(s.warnings))
            for label, s in sorted(self.sinks.items())
        )


def _by_line(problems: list[Problem]) -> tuple[Problem, ...]:
    return tuple(sorted(problems, key=lambda p: p.line or 0))


def _strings(data: object, line: int | None) -> Iterator[tuple[str, int | None]]:
    """Every text value in parsed YAML, with the line of the key or list entry holding it."""
    if isinstance(data, str):
        yield data, line
    elif isinstance(data, LineMap):
        for key, value in data.items():
            yield from _strings(value, data.key_lines.get(key, line))
    elif isinstance(data, LineList):
        for value, entry_line in zip(data, data.lines, strict=True):
            yield from _strings(value, entry_line)


def _report_images_without_alt(
    sink: ProblemSink, text: str, *, field_line: int | None = None
) -> None:
    """Images need alt text (accessibility). Checked on every text of a YAML file, since any
    Markdown field may hold an image, and on every Markdown file. In YAML the problem is
    reported at ``field_line``, the field holding the text; in Markdown, at the image."""
    for line, src in images_without_alt(text):
        sink.add(
            field_line or line,
            f"image {src!r} has no alt text: describe what it shows, as in ![a bar chart of "
            'accuracy by group](chart.png), or alt="..." on an <img>',
        )


@dataclasses.dataclass
class _Header:
    """track.yaml read before its modules: what other tracks need to know about it."""

    folder: Path
    reader: _TrackReader
    spec: Spec | None
    id: str | None
    extends: str | None


def _read_header(folder: Path, label_root: Path, checks: _Checks) -> _Header:
    reader = _TrackReader(folder, label_root, checks)
    spec = reader.read_yaml(folder / TRACK_FILE)
    if spec is None:
        return _Header(folder, reader, None, None, None)
    return _Header(folder, reader, spec, spec.ident("id"), spec.ident("extends", None))


def _load(
    folders: list[Path], label_root: Path, checks: _Checks, wanted: Path | None = None
) -> LoadResult:
    headers = [_read_header(folder, label_root, checks) for folder in folders]
    by_id: dict[str, _Header] = {}
    for header in headers:
        if header.id is None or header.spec is None:  # an id comes only with a spec
            continue
        if (first := by_id.get(header.id)) is not None:
            where = first.reader.label(first.folder)
            header.spec.error(f"track id {header.id!r} is already used by {where}", "id")
        else:
            by_id[header.id] = header
    done: dict[Path, TrackReport] = {}

    def build(header: _Header, chain: tuple[str, ...] = ()) -> TrackReport:
        if header.folder in done:
            return done[header.folder]
        base = None
        name = header.id or "?"  # a track without a valid id can still extend another
        if header.spec is not None and header.extends is not None:
            parent = by_id.get(header.extends)
            if parent is None:
                header.spec.error(
                    f"extends {header.extends!r}, which is not a track here", "extends"
                )
            elif header.extends in chain or header.extends == header.id:
                header.spec.error(
                    f"extends forms a loop: {' → '.join((*chain, name, header.extends))}",
                    "extends",
                )
            else:
                base = build(parent, (*chain, name)).track
                if base is None:
                    header.spec.error(f"extends {header.extends!r}, which has problems", "extends")
        track = _read_track(header, base) if header.spec is not None else None
        if any(sink.problems for sink in header.reader.sinks.values()):
            track = None
        report = TrackReport(header.reader.label(header.folder), track, header.reader.reports())
        done[header.folder] = report
        return report

    for header in headers:
        if wanted is None or header.folder.resolve() == wanted:
            build(header)
    # In folder order; with ``wanted``, that track and the tracks it extends.
    return LoadResult(tuple(done[h.folder] for h in headers if h.folder in done))


def _read_track(header: _Header, base: Track | None) -> Track | None:
    spec, reader = header.spec, header.reader
    if spec is None:
        return None
    version = spec.version()
    title, summary = spec.text("title"), spec.text("summary")
    audience = spec.text("audience")
    competencies = list(base.competencies) if base else []
    reader.competencies = {c.id for c in competencies}
    for child in spec.children("competencies", required=False):
        competency_id, c_title = child.ident(), child.text("title")
        description = child.text("description", "")
        child.done()
        if competency_id in reader.competencies:
            child.error(f"competency id {competency_id!r} is used twice", "id")
        elif competency_id is not None and c_title is not None:
            reader.competencies.add(competency_id)
            competencies.append(Competency(competency_id, c_title, (description or "").strip()))
    modules = list(base.modules) if base else []
    for module in modules:
        reader.claimed[("module", module.id)] = f"track {module.track_id!r}"
        for activity in module.activities:
            reader.claimed[("activity", activity.id)] = f"track {module.track_id!r}"
            for item in activity.items:
                reader.claimed[("item", item.id)] = f"track {module.track_id!r}"
    declared = {m.id for m in modules}
    for module_id, line in _module_entries(spec):
        declared.add(module_id)
        read = _read_module(reader, header.id, module_id, spec, line)
        if read is not None:
            modules.append(read)
    completion_spec = spec.child("completion", {})
    completion = None
    if completion_spec is not None:
        # Ids in a file that could not be parsed are unknown: do not guess about them.
        activities = {key for what, key in reader.claimed if what == "activity"}
        known = None if reader.unreadable else activities
        completion = policy.parse_completion(completion_spec, declared, known)
        if completion is not None:
            by_id = {m.id: m for m in modules}
            rules = tuple(
                policy.with_each_minimum(rule, by_id[rule.module].activities)
                if rule.module in by_id
                else rule
                for rule in completion.modules
            )
            completion = dataclasses.replace(completion, modules=rules)
            _check_counted_work(completion_spec, completion, by_id)
    renewal_spec = spec.child("renewal", None)
    renewal = policy.parse_renewal(renewal_spec, declared) if renewal_spec is not None else None
    credential_spec = spec.child("credential", None)
    validity = (
        policy.DEFAULT_VALIDITY_MONTHS
        if credential_spec is None
        else policy.parse_credential(credential_spec)
    )
    spec.done()
    claims = _read_claims(reader)
    if (
        not spec.ok
        or header.id is None
        or version is None
        or title is None
        or summary is None
        or audience is None
        or completion is None
        or validity is None
    ):
        return None
    return Track(
        id=header.id,
        version=version,
        title=title,
        summary=summary.strip(),
        audience=audience,
        competencies=tuple(competencies),
        modules=tuple(modules),
        completion=completion,
        extends=header.extends,
        renewal=renewal,
        credential_validity_months=validity,
        claims=claims,
    )


def _check_counted_work(
    spec: Spec, completion: policy.CompletionRules, modules: Mapping[str, Module]
) -> None:
    """A required module needs summative work to judge, and the capstone must be summative:
    practice never counts toward certification."""
    for rule in completion.modules:
        module = modules.get(rule.module)
        if module is not None and not any(
            policy.counts_toward_completion(a) for a in module.activities
        ):
            spec.error(
                f"module {rule.module!r} is required but has no summative activity to judge it by",
                "modules",
            )
    capstone = completion.capstone
    activities = {a.id: a for m in modules.values() for a in m.activities}
    work = activities.get(capstone.activity) if capstone is not None else None
    if work is not None and not work.attempt_policy.is_summative:
        spec.error(f"capstone {work.id!r} must be summative work", "capstone")


def _module_entries(spec: Spec) -> list[tuple[str, int | None]]:
    entries = []
    for value, line in spec.entries("modules", required=False):
        if isinstance(value, str) and value and "/" not in value and not value.startswith("."):
            entries.append((value, line))
        else:
            spec.sink.add(line, f"'modules' entries are module folder names, found {value!r}")
    return entries


def _read_module(
    reader: _TrackReader, track_id: str | None, module_id: str, track_spec: Spec, line: int | None
) -> Module | None:
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
    reviewed, review_by = _review_dates(spec, reader.today)
    activities = []
    #: Ids the module's activities give, loaded or not (None: an included file is unreadable).
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
        activity = _read_activity(reader, activity_spec, folder)
        if activity is not None:
            activities.append(activity)
    translations = _read_translations(
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


def _read_translations(
    reader: _TrackReader,
    spec: Spec,
    folder: Path,
    activity_ids: set[str] | None,
    loaded: Mapping[str, Activity],
) -> dict[str, ModuleTranslation]:
    """``translations: {<language>: {title?, summary?, activities?: {<activity id>: {title?,
    body? or body_file?, items?, scenario?, rubric?}}}}``: the module's texts in the UI's
    other languages (``assessments.translation`` reads each activity's)."""
    block = spec.child("translations", None)
    if block is None:
        return {}
    found = {}
    for language in block.data:
        entry = block.child(language)
        if language not in TRANSLATION_LANGUAGES:
            block.error(
                f"translation language {language!r} is not one SkillCert's pages are shown in "
                f"(use {', '.join(TRANSLATION_LANGUAGES)})",
                language,
            )
        elif entry is not None:
            found[language] = _read_translation(reader, entry, folder, activity_ids, loaded)
    block.done()
    return found


def _read_translation(
    reader: _TrackReader,
    entry: Spec,
    folder: Path,
    activity_ids: set[str] | None,
    loaded: Mapping[str, Activity],
) -> ModuleTranslation:
    title, summary = entry.text("title", ""), entry.text("summary", "")
    activities = {}
    texts = entry.child("activities", None)
    if texts is not None:
        for activity_id in texts.data:
            text = texts.child(activity_id)
            if activity_ids is not None and activity_id not in activity_ids:
                texts.error(
                    f"translation of activity {activity_id!r}: no such activity in the module",
                    activity_id,
                )
            elif text is not None and activity_id in loaded:
                # An activity that did not load has its problems reported already: its
                # translation cannot be checked against it, and the track will not load.
                activities[activity_id] = translation.translate_activity(
                    loaded[activity_id],
                    text,
                    lambda spec, key: reader.markdown(spec, key, folder, required=False),
                )
        texts.done()
    entry.done()
    return ModuleTranslation(title or "", (summary or "").strip(), activities)


def _review_dates(
    spec: Spec, today: dt.date, since: str = "reviewed", what: str = "the module's facts"
) -> tuple[dt.date | None, dt.date | None]:
    """``reviewed`` (or ``since``) and ``review_by``: facts about AI date quickly, so each
    module and each claim says when it was last checked and when it must be checked again.
    A passed ``review_by`` is a warning, not an error: the content stays correct enough to
    learn from until reviewed."""
    reviewed, review_by = spec.date(since), spec.date("review_by")
    if reviewed is None or review_by is None:
        return reviewed, review_by
    if review_by <= reviewed:
        spec.error(f"'review_by' ({review_by}) must be after '{since}' ({reviewed})", "review_by")
        return reviewed, None
    if review_by < today:
        spec.warn(
            f"'review_by' {review_by} has passed: check {what}, then update "
            f"'{since}' and 'review_by'",
            "review_by",
        )
    return reviewed, review_by


def _read_claims(reader: _TrackReader) -> tuple[Claim, ...]:
    """``claims.yaml``: ``{claims: [{id, claim, where: [file], sources: [{title, url,
    published?}], checked, review_by, note?}]}`` — the register of the track's dated facts."""
    path = reader.folder / CLAIMS_FILE
    if not path.is_file():
        return ()
    spec = reader.read_yaml(path)
    if spec is None:
        return ()
    claims = []
    entries = spec.children("claims")
    for entry in entries:
        claim_id, text = entry.ident(), entry.text("claim")
        where = []
        for value, line in entry.entries("where"):
            if not isinstance(value, str) or not value:
                entry.sink.add(line, f"'where' entries are files of the track, found {value!r}")
            elif reader.inside(entry, "where", value, reader.folder) is not None:
                where.append(value)
        sources = [_read_source(child) for child in entry.children("sources")]
        checked, review_by = _review_dates(entry, reader.today, "checked", "the claim")
        if checked is not None and checked > reader.today:
            entry.error(f"'checked' {checked} is in the future", "checked")
        note = entry.text("note", "")
        entry.done()
        read = tuple(source for source in sources if source is not None)
        if (
            entry.ok
            and claim_id is not None
            and text is not None
            and checked is not None
            and review_by is not None
            and note is not None
            and len(read) == len(sources)
        ):
            claims.append(Claim(claim_id, text, tuple(where), read, checked, review_by, note))
    unique(((entry, entry.data.get("id")) for entry in entries), "claim")
    spec.done()
    return tuple(claims)


def _read_source(spec: Spec) -> Source | None:
    title, url = spec.text("title"), spec.text("url")
    published = spec.date("published") if spec.has("published") else None
    spec.done()
    if url is not None and not url.startswith(("https://", "http://")):
        spec.error(f"'url' must be a web address, found {url!r}", "url")
        return None
    return None if title is None or url is None else Source(title, url, published)


def _included(reader: _TrackReader, entry: Spec, folder: Path) -> Spec | None:
    """An activity kept in a file of its own: ``- file: exam.yaml``."""
    name = entry.text("file")
    entry.done()
    path = reader.inside(entry, "file", name, folder) if name else None
    return reader.read_yaml(path) if path is not None else None


def _read_activity(reader: _TrackReader, spec: Spec, folder: Path) -> Activity | None:
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
    fields: dict[str, Any] = {}
    needs_alignment = kind in (ActivityKind.LAB, ActivityKind.SCENARIO, ActivityKind.PROJECT)
    if kind.is_assessed:
        fields["competencies"] = reader.known_competencies(spec, "competencies", needs_alignment)
    if kind.has_items:
        fields.update(_read_items(reader, spec, folder, fields["competencies"]))
    elif kind is ActivityKind.LAB and (lab := spec.child("lab")) is not None:
        fields["lab"] = _read_lab(reader, lab)
    elif kind is ActivityKind.SCENARIO and (graph := spec.child("scenario")) is not None:
        fields["scenario"] = scenarios.parse(graph)
    elif kind is ActivityKind.PROJECT and (rubric := spec.child("rubric")) is not None:
        fields["rubric"] = rubrics.parse(rubric)
    elif kind is ActivityKind.LESSON:
        fields["reading_level"] = spec.text("reading_level", None)
    spec.done()
    if not spec.ok or activity_id is None or version is None or title is None:
        return None
    return Activity(
        activity_id, version, kind, title, body, policy=attempt_policy, minutes=minutes, **fields
    )


def _read_items(
    reader: _TrackReader, spec: Spec, folder: Path, activity_competencies: tuple[str, ...]
) -> dict[str, Any]:
    items = []
    for child in spec.children("items"):
        item = _read_item(reader, child, folder, activity_competencies)
        if item is not None:
            items.append(item)
    pool = None
    if (pool_spec := spec.child("pool", None)) is not None:
        draw = pool_spec.integer("draw", minimum=1)
        pool_spec.done()
        if draw is not None and draw > len(spec.data.get("items") or ()):
            pool_spec.error(f"'draw' is {draw} but the activity has fewer items", "draw")
        elif draw is not None:
            pool = policy.ItemPool(draw)
    return {"items": tuple(items), "pool": pool}


def _read_item(
    reader: _TrackReader, spec: Spec, folder: Path, activity_competencies: tuple[str, ...]
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


def _read_lab(reader: _TrackReader, spec: Spec) -> Lab | None:
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


__all__ = [
    "FileReport",
    "LoadResult",
    "Problem",
    "TrackReport",
    "load_track",
    "load_tracks",
    "summarise",
    "validate_path",
]
