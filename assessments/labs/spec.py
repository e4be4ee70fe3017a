"""A lab's grader spec, read from the lab's folder by the trusted grader.

Layout of a lab folder (see docs/labs.md)::

    lab.yaml     id, title, entry "module:function", environment, limits, visible tests
    hidden.yaml  hidden tests (never copied into the sandbox, never shown)
    grader.py    optional ``compare(expected, actual)`` for comparator "custom"
    data/        optional files the learner's code may read at /lab/data (read-only)

Everything that could go wrong in these files is reported at once as ``file: message``.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from assessments.labs.comparators import BUILTIN, Comparator, Comparison
from assessments.labs.results import Visibility

ENTRY = re.compile(r"^(?P<module>[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*):(?P<function>[A-Za-z_]\w*)$")
DATA_MOUNT = "/lab/data"


class LabSpecError(ValueError):
    """The lab's files are wrong; ``problems`` lists every one as ``file: message``."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclasses.dataclass(frozen=True)
class TestCase:
    __test__ = False  # not a pytest test class, despite the name

    name: str
    args: tuple[Any, ...]
    kwargs: Mapping[str, Any]
    expected: Any
    points: float
    visibility: Visibility
    comparator: str = "exact"
    tolerance: float = 1e-6


@dataclasses.dataclass(frozen=True)
class LabSpec:
    """Everything the runner needs; ``custom_compare`` comes from the lab's grader.py."""

    id: str
    title: str
    module: str
    function: str
    cases: tuple[TestCase, ...]
    use_lab_env: bool = True
    uses_openai: bool = False
    case_timeout: float = 10.0
    limits: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    data_files: Mapping[str, Path] = dataclasses.field(default_factory=dict)
    custom_compare: Comparator | None = None

    @property
    def visible_cases(self) -> tuple[TestCase, ...]:
        return tuple(c for c in self.cases if c.visibility is Visibility.VISIBLE)

    def comparator(self, case: TestCase) -> Comparator:
        if case.comparator == "custom":
            assert self.custom_compare is not None
            return self.custom_compare
        return BUILTIN[case.comparator]

    @classmethod
    def load(cls, directory: Path) -> LabSpec:
        return _Loader(directory).load()


class _Loader:
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.problems: list[str] = []

    def problem(self, file: str, message: str) -> None:
        self.problems.append(f"{self.directory / file}: {message}")

    def read_yaml(self, name: str, required: bool) -> dict[str, Any]:
        path = self.directory / name
        if not path.is_file():
            if required:
                self.problem(name, "the file is missing.")
            return {}
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except (yaml.YAMLError, UnicodeDecodeError) as error:
            self.problem(name, f"cannot be read: {error}")
            return {}
        if not isinstance(data, dict):
            self.problem(name, "must be a mapping.")
            return {}
        return data

    def load(self) -> LabSpec:
        lab = self.read_yaml("lab.yaml", required=True)
        hidden = self.read_yaml("hidden.yaml", required=False)
        match = ENTRY.match(str(lab.get("entry", "")))
        if not match:
            self.problem("lab.yaml", "entry must look like 'module:function', e.g. 'solution:f'.")
        environment = lab.get("environment", "lab")
        if environment not in ("lab", "system"):
            self.problem("lab.yaml", "environment must be 'lab' or 'system'.")
        custom = self.custom_compare()
        cases = [
            *self.cases(lab.get("tests"), "lab.yaml", Visibility.VISIBLE, custom),
            *self.cases(hidden.get("tests"), "hidden.yaml", Visibility.HIDDEN, custom),
        ]
        if not cases:
            self.problem("lab.yaml", "the lab has no tests; add some under 'tests:'.")
        names = [case.name for case in cases]
        for name in sorted({n for n in names if names.count(n) > 1}):
            self.problem("lab.yaml", f"test name {name!r} is used more than once.")
        for key in ("id", "title"):
            if not isinstance(lab.get(key), str) or not lab.get(key):
                self.problem("lab.yaml", f"'{key}' must be a non-empty string.")
        if not isinstance(lab.get("limits", {}), dict):
            self.problem("lab.yaml", "'limits' must be a mapping.")
        if self.problems:
            raise LabSpecError(self.problems)
        assert match is not None
        return LabSpec(
            id=lab["id"],
            title=lab["title"],
            module=match["module"],
            function=match["function"],
            cases=tuple(cases),
            use_lab_env=environment == "lab",
            uses_openai=bool(lab.get("openai", False)),
            case_timeout=float(lab.get("case_timeout", 10.0)),
            limits=dict(lab.get("limits", {})),
            data_files=self.data_files(),
            custom_compare=custom,
        )

    def cases(
        self, raw: Any, file: str, visibility: Visibility, custom: Comparator | None
    ) -> list[TestCase]:
        if raw is None:
            return []
        if not isinstance(raw, list):
            self.problem(file, "'tests' must be a list.")
            return []
        cases = []
        for index, item in enumerate(raw, start=1):
            where = f"test {index}"
            if not isinstance(item, dict) or "expected" not in item or "name" not in item:
                self.problem(file, f"{where} needs at least 'name' and 'expected'.")
                continue
            comparator = item.get("comparator", "exact")
            if comparator == "custom" and custom is None:
                self.problem(
                    file, f"{where} uses comparator 'custom' but grader.py has no compare()."
                )
            elif comparator != "custom" and comparator not in BUILTIN:
                self.problem(file, f"{where}: unknown comparator {comparator!r}.")
            args, kwargs = item.get("args", []), item.get("kwargs", {})
            if not isinstance(args, list) or not isinstance(kwargs, dict):
                self.problem(file, f"{where}: 'args' must be a list and 'kwargs' a mapping.")
                continue
            cases.append(
                TestCase(
                    name=str(item["name"]),
                    args=tuple(args),
                    kwargs=kwargs,
                    expected=item["expected"],
                    points=float(item.get("points", 1)),
                    visibility=visibility,
                    comparator=comparator,
                    tolerance=float(item.get("tolerance", 1e-6)),
                )
            )
        return cases

    def custom_compare(self) -> Comparator | None:
        """Load grader.py (trusted author code, run outside the sandbox) if present."""
        path = self.directory / "grader.py"
        if not path.is_file():
            return None
        module_spec = importlib.util.spec_from_file_location(f"_lab_grader_{id(self)}", path)
        assert module_spec is not None and module_spec.loader is not None
        module = importlib.util.module_from_spec(module_spec)
        try:
            module_spec.loader.exec_module(module)
        except Exception as error:
            self.problem("grader.py", f"cannot be loaded: {error!r}")
            return None
        compare = getattr(module, "compare", None)
        if not callable(compare):
            self.problem("grader.py", "must define compare(expected, actual).")
            return None

        def wrapped(expected: Any, actual: Any, tolerance: float) -> Comparison:
            outcome = compare(expected, actual)
            score, message = outcome if isinstance(outcome, tuple) else (outcome, "")
            return min(1.0, max(0.0, float(score))), str(message)

        return wrapped

    def data_files(self) -> dict[str, Path]:
        root = self.directory / "data"
        if not root.is_dir():
            return {}
        files = {}
        for path in sorted(root.rglob("*")):
            if path.is_symlink():
                self.problem(f"data/{path.relative_to(root)}", "symbolic links are not allowed.")
            elif path.is_file():
                files[f"{DATA_MOUNT}/{path.relative_to(root).as_posix()}"] = path
        if self.problems:
            raise LabSpecError(self.problems)
        return files
