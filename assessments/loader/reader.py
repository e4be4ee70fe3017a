"""Reading the files of one track folder: YAML with lines, Markdown, paths kept inside.

A ``TrackReader`` holds what the parts of one track have in common while it is read: a
problem sink per file, the track's competencies, and every id claimed so far (ids are unique
across a track, inherited modules included).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
from pathlib import Path

import yaml

from assessments.labs.spec import LabSpec, LabSpecError
from assessments.loader.results import FileReport
from assessments.loader.yaml_lines import LineLoader, strings
from assessments.markdown import images_without_alt, render
from assessments.spec import Problem, ProblemSink, Spec

TRACK_FILE = "track.yaml"
CLAIMS_FILE = "claims.yaml"
MODULE_FILE = "module.yaml"
MAX_FILE_BYTES = 5_000_000  #: a content file larger than this is refused, not parsed


@dataclasses.dataclass(frozen=True)
class Checks:
    """What a load checks against: the date for review-by warnings, and how many seeds each
    lab generator is tried on."""

    today: dt.date
    generator_seeds: int


class TrackReader:
    """Reads one track folder; collects problems per file; claims ids across the track."""

    def __init__(self, folder: Path, label_root: Path, checks: Checks) -> None:
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
            data = yaml.load(path.read_bytes(), Loader=LineLoader)  # noqa: S506 (safe: LineLoader)
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            sink.add(mark.line + 1 if mark else None, f"not valid YAML: {exc.problem or exc}")
        except (yaml.YAMLError, UnicodeDecodeError, OSError) as exc:
            sink.add(None, f"cannot be read: {exc}")
        else:
            for text, line in strings(data, 1):
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

    def review_dates(
        self, spec: Spec, since: str = "reviewed", what: str = "the module's facts"
    ) -> tuple[dt.date | None, dt.date | None]:
        """``reviewed`` (or ``since``) and ``review_by``: facts about AI date quickly, so each
        module and each claim says when it was last checked and when it must be checked
        again. A passed ``review_by`` is a warning, not an error: the content stays correct
        enough to learn from until reviewed."""
        reviewed, review_by = spec.date(since), spec.date("review_by")
        if reviewed is None or review_by is None:
            return reviewed, review_by
        if review_by <= reviewed:
            spec.error(
                f"'review_by' ({review_by}) must be after '{since}' ({reviewed})", "review_by"
            )
            return reviewed, None
        if review_by < self.today:
            spec.warn(
                f"'review_by' {review_by} has passed: check {what}, then update "
                f"'{since}' and 'review_by'",
                "review_by",
            )
        return reviewed, review_by

    def reports(self) -> tuple[FileReport, ...]:
        return tuple(
            FileReport(label, _by_line(s.problems), _by_line(s.warnings))
            for label, s in sorted(self.sinks.items())
        )


def _by_line(problems: list[Problem]) -> tuple[Problem, ...]:
    return tuple(sorted(problems, key=lambda p: p.line or 0))


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
