"""A lab's grader spec, read from the lab's folder by the trusted grader.

Layout of a lab folder (see docs/labs.md)::

    lab.yaml     id, title, entry "module:function", environment, limits, visible tests
    hidden.yaml  hidden tests (never copied into the sandbox, never shown)
    grader.py    optional ``compare(expected, actual)`` for comparator "custom"
    generator.py optional ``hidden_cases(rng)``: hidden cases drawn per seed (``generator:``)
    data/        optional files the learner's code may read at /lab/data (read-only)
    probe.py     optional ``probe(entry, *args, **kwargs)``: for a service lab (``probe:``),
                 lab code that runs in the sandbox, starts the learner's service and
                 reports what it observed; it sees inputs only, never expected answers

Everything that could go wrong in these files is reported at once as ``file: message``.
A generator is run for ``GENERATOR_SEEDS_CHECKED`` seeds at load, so a seed that breaks
it is found by the author, not by a candidate.
"""

from __future__ import annotations

import contextlib
import dataclasses
import importlib.util
import json
import math
import random
import re
import traceback
from collections.abc import Callable, Mapping
from pathlib import Path
from types import ModuleType
from typing import Any

import yaml

from assessments.labs.comparators import BUILTIN, Comparator, Comparison
from assessments.labs.limits import Limits
from assessments.labs.model_calls import ModelCalls
from assessments.labs.results import Visibility

ENTRY = re.compile(r"^(?P<module>[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*):(?P<function>[A-Za-z_]\w*)$")
DATA_MOUNT = "/lab/data"
#: Seeds 0 .. GENERATOR_SEEDS_CHECKED - 1 are run through a lab's generator when it loads.
GENERATOR_SEEDS_CHECKED = 200
LAB_KEYS = frozenset(
    {"id", "title", "entry", "environment", "openai", "case_timeout", "limits", "tests"}
    | {"generator", "equivalent_mutants", "probe"}
)
TEST_KEYS = frozenset(
    {"name", "args", "kwargs", "expected", "points", "comparator", "tolerance", "critical"}
    | {"model_calls"}
)


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
    #: Why failing this test fails the lab whatever the score (the author's one line).
    critical: str | None = None
    #: What the program must have sent the model during this test (labs with openai).
    model_calls: ModelCalls | None = None


@dataclasses.dataclass(frozen=True)
class CaseGenerator:
    """A lab's generator.py: trusted author code, run in the grader, never in the sandbox."""

    path: Path
    hidden_cases: Callable[[random.Random], Any]

    def cases(self, lab: LabSpec, seed: int) -> tuple[tuple[TestCase, ...], list[str]]:
        """The hidden cases of ``seed`` and, if it went wrong, problems naming the seed."""
        where = f"{self.path}: seed {seed}"
        try:
            # Reproducible test data, not secrets: the seed is stored with the attempt.
            raw = self.hidden_cases(random.Random(seed))  # noqa: S311
        except Exception as error:
            # file:line of the generator's own frame that raised, for the author's editor.
            lines = [
                f.lineno
                for f in traceback.extract_tb(error.__traceback__)
                if Path(f.filename) == self.path
            ]
            at = f"{self.path}:{lines[-1]}" if lines else str(self.path)
            return (), [f"{at}: seed {seed}: hidden_cases() raised {error!r}"]
        if not isinstance(raw, list) or not raw:
            found = "an empty list" if raw == [] else f"a {type(raw).__name__}"
            return (), [f"{where}: hidden_cases() must return a non-empty list, not {found}."]
        cases, problems = [], []
        for index, item in enumerate(raw, start=1):
            case, wrong = _parse_case(item, Visibility.HIDDEN, lab.custom_compare, lab.uses_openai)
            problems += [f"{where}: test {index}: {message}" for message in wrong]
            if case is not None:
                cases.append(case)
        fixed = {case.name for case in lab.cases}
        names = [case.name for case in cases]
        for name in sorted({n for n in names if names.count(n) > 1}):
            problems.append(f"{where}: test name {name!r} is generated more than once.")
        for name in sorted(fixed.intersection(names)):
            problems.append(f"{where}: test name {name!r} is also a fixed test's name.")
        return tuple(cases), problems


@dataclasses.dataclass(frozen=True)
class LabSpec:
    """Everything the runner needs; ``custom_compare`` comes from the lab's grader.py.

    A parameterised lab (``generator``) is graded through ``instance(seed)``: its
    ``cases`` are only the fixed ones, from lab.yaml and hidden.yaml.
    """

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
    generator: CaseGenerator | None = None
    #: Mutant id → why no test can tell it from the reference (``skillcert content audit``).
    equivalent_mutants: Mapping[str, str] = dataclasses.field(default_factory=dict)
    #: A service lab's probe (``probe:``): run in the sandbox, it is called with the
    #: learner's entry and each case's inputs instead of the entry itself.
    probe_file: Path | None = None

    @property
    def parameterised(self) -> bool:
        return self.generator is not None

    @property
    def visible_cases(self) -> tuple[TestCase, ...]:
        return tuple(c for c in self.cases if c.visibility is Visibility.VISIBLE)

    def instance(self, seed: int) -> LabSpec:
        """The lab as graded with ``seed``: the fixed cases plus that seed's generated hidden
        cases, always the same for the same seed. A fixed lab is its own instance.

        Raises ``LabSpecError`` if the generator fails for this seed (seeds checked at load
        never do)."""
        if self.generator is None:
            return self
        cases, problems = self.generator.cases(self, seed)
        if problems:
            raise LabSpecError(problems)
        return dataclasses.replace(self, cases=self.cases + cases, generator=None)

    def comparator(self, case: TestCase) -> Comparator:
        if case.comparator != "custom":
            return BUILTIN[case.comparator]
        if self.custom_compare is None:  # the loader refuses such a case; a bug if here
            raise LabSpecError([f"test {case.name!r}: comparator 'custom' without grader.py"])
        return self.custom_compare

    @classmethod
    def load(cls, directory: Path, *, generator_seeds: int = GENERATOR_SEEDS_CHECKED) -> LabSpec:
        """The lab in ``directory``; its generator, if any, is tried on seeds
        0 .. ``generator_seeds`` - 1."""
        return _Loader(directory, generator_seeds).load()


class _Loader:
    def __init__(self, directory: Path, generator_seeds: int) -> None:
        self.directory = directory
        self.generator_seeds = generator_seeds
        self.problems: list[str] = []

    def problem(self, file: str, message: str) -> None:
        self.problems.append(f"{self.directory / file}: {message}")

    def read_yaml(self, name: str, required: bool, keys: frozenset[str]) -> dict[str, Any]:
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
        for key in data:
            if key not in keys:
                self.problem(name, f"unknown key {key!r} (known: {', '.join(sorted(keys))}).")
        return data

    def load(self) -> LabSpec:
        lab = self.read_yaml("lab.yaml", required=True, keys=LAB_KEYS)
        hidden = self.read_yaml("hidden.yaml", required=False, keys=frozenset({"tests"}))
        match = ENTRY.match(str(lab.get("entry", "")))
        if not match:
            self.problem("lab.yaml", "entry must look like 'module:function', e.g. 'solution:f'.")
        environment = lab.get("environment", "lab")
        if environment not in ("lab", "system"):
            self.problem("lab.yaml", "environment must be 'lab' or 'system'.")
        uses_openai = lab.get("openai", False)
        if not isinstance(uses_openai, bool):
            self.problem("lab.yaml", "'openai' must be true or false.")
        custom = self.custom_compare()
        raw_tests = [
            (lab, "lab.yaml", Visibility.VISIBLE),
            (hidden, "hidden.yaml", Visibility.HIDDEN),
        ]
        cases = [
            case
            for data, file, visibility in raw_tests
            for case in self.cases(data.get("tests"), file, visibility, custom, uses_openai is True)
        ]
        generator = self.generator(lab.get("generator"))
        if not cases and generator is None and not self.problems:
            self.problem("lab.yaml", "the lab has no tests; add some under 'tests:'.")
        names = [
            item["name"]
            for data, _, _ in raw_tests
            if isinstance(data.get("tests"), list)
            for item in data["tests"]
            if isinstance(item, dict) and isinstance(item.get("name"), str)
        ]
        for name in sorted({n for n in names if names.count(n) > 1}):
            self.problem("lab.yaml", f"test name {name!r} is used more than once.")
        for key in ("id", "title"):
            if not isinstance(lab.get(key), str) or not lab.get(key):
                self.problem("lab.yaml", f"'{key}' must be a non-empty string.")
        case_timeout = lab.get("case_timeout", 10.0)
        if not _number(case_timeout) or case_timeout <= 0:
            self.problem("lab.yaml", "'case_timeout' must be a number of seconds above 0.")
        self.check_limits(lab.get("limits", {}))
        mutants = self.equivalent_mutants(lab.get("equivalent_mutants", []))
        data_files = self.data_files()
        probe_file = self.probe_file(lab.get("probe"))
        if self.problems or match is None:
            raise LabSpecError(self.problems)
        spec = LabSpec(
            id=lab["id"],
            title=lab["title"],
            module=match["module"],
            function=match["function"],
            cases=tuple(cases),
            use_lab_env=environment == "lab",
            uses_openai=uses_openai,
            case_timeout=float(case_timeout),
            limits=dict(lab.get("limits", {})),
            data_files=data_files,
            custom_compare=custom,
            generator=generator,
            equivalent_mutants=mutants,
            probe_file=probe_file,
        )
        self.check_generator(spec)
        return spec

    def cases(
        self,
        raw: Any,
        file: str,
        visibility: Visibility,
        custom: Comparator | None,
        uses_openai: bool,
    ) -> list[TestCase]:
        if raw is None:
            return []
        if not isinstance(raw, list):
            self.problem(file, "'tests' must be a list.")
            return []
        cases = []
        for index, item in enumerate(raw, start=1):
            case, problems = _parse_case(item, visibility, custom, uses_openai)
            for message in problems:
                self.problem(file, f"test {index}: {message}")
            if case is not None:
                cases.append(case)
        return cases

    def check_limits(self, limits: Any) -> None:
        if not isinstance(limits, dict):
            self.problem("lab.yaml", "'limits' must be a mapping.")
            return
        try:
            Limits().override(limits)
        except (TypeError, ValueError) as error:
            self.problem("lab.yaml", f"'limits': {error}")

    def equivalent_mutants(self, raw: Any) -> dict[str, str]:
        """Mutants the author has shown no test can catch, each with the reason why."""
        if not isinstance(raw, list):
            self.problem("lab.yaml", "'equivalent_mutants' must be a list of {id, reason}.")
            return {}
        mutants: dict[str, str] = {}
        for index, entry in enumerate(raw, start=1):
            where = f"equivalent mutant {index}"
            if not isinstance(entry, dict) or set(entry) - {"id", "reason"}:
                self.problem("lab.yaml", f"{where} must be a mapping of 'id' and 'reason'.")
                continue
            mutant, reason = entry.get("id"), entry.get("reason")
            if not isinstance(mutant, str) or not mutant.strip():
                self.problem("lab.yaml", f"{where} needs an 'id' (as `content audit` prints it).")
            elif not isinstance(reason, str) or not reason.strip():
                self.problem(
                    "lab.yaml",
                    f"equivalent mutant {mutant!r} needs a 'reason': why no test can tell it "
                    "from the reference solution.",
                )
            elif mutant in mutants:
                self.problem("lab.yaml", f"equivalent mutant {mutant!r} is listed twice.")
            else:
                mutants[mutant] = reason.strip()
        return mutants

    def module(self, name: str) -> ModuleType | None:
        """Import one of the lab's own Python files (trusted author code, run in the grader)."""
        path = self.directory / name
        if not path.is_file():
            self.problem(name, "the file is missing.")
            return None
        module_spec = importlib.util.spec_from_file_location(f"_lab_{path.stem}_{id(self)}", path)
        if module_spec is None or module_spec.loader is None:
            self.problem(name, "cannot be loaded as a Python module.")
            return None
        module = importlib.util.module_from_spec(module_spec)
        try:
            module_spec.loader.exec_module(module)
        except Exception as error:
            self.problem(name, f"cannot be loaded: {error!r}")
            return None
        return module

    def custom_compare(self) -> Comparator | None:
        """Load grader.py if present."""
        if not (self.directory / "grader.py").is_file():
            return None
        module = self.module("grader.py")
        compare = getattr(module, "compare", None)
        if module is not None and not callable(compare):
            self.problem("grader.py", "must define compare(expected, actual).")
        if not callable(compare):
            return None

        def wrapped(expected: Any, actual: Any, tolerance: float) -> Comparison:
            outcome = compare(expected, actual)
            score, message = outcome if isinstance(outcome, tuple) else (outcome, "")
            return min(1.0, max(0.0, float(score))), str(message)

        return wrapped

    def generator(self, name: Any) -> CaseGenerator | None:
        """The file ``generator:`` names, defining ``hidden_cases(rng)``."""
        if name is None:
            return None
        if not isinstance(name, str) or not re.fullmatch(r"[\w-]+\.py", name):
            self.problem("lab.yaml", "'generator' must name a .py file in the lab folder.")
            return None
        module = self.module(name)
        hidden_cases = getattr(module, "hidden_cases", None)
        if module is not None and not callable(hidden_cases):
            self.problem(name, "must define hidden_cases(rng) returning a list of test entries.")
        if not callable(hidden_cases):
            return None
        return CaseGenerator(self.directory / name, hidden_cases)

    def probe_file(self, name: Any) -> Path | None:
        """The file ``probe:`` names. It runs in the sandbox, so it is only compiled here."""
        if name is None:
            return None
        if not isinstance(name, str) or not re.fullmatch(r"[\w-]+\.py", name):
            self.problem("lab.yaml", "'probe' must name a .py file in the lab folder.")
            return None
        path = self.directory / name
        if not path.is_file():
            self.problem(name, "the file is missing.")
            return None
        try:
            compile(path.read_bytes(), str(path), "exec", dont_inherit=True)
        except (SyntaxError, ValueError) as error:
            self.problem(name, f"cannot be compiled: {error}")
            return None
        return path

    def check_generator(self, lab: LabSpec) -> None:
        """Every checked seed must give valid cases, and the same ones when asked again
        (a generator using anything but its rng would make stored seeds worthless). Asking
        again for the first few seeds is enough to catch the global random module or the
        clock, and keeps the check at about one generator call per seed."""
        if lab.generator is None:
            return
        failing = []
        for seed in range(self.generator_seeds):
            cases, problems = lab.generator.cases(lab, seed)
            if not problems and seed < 10 and lab.generator.cases(lab, seed)[0] != cases:
                problems = [
                    f"{lab.generator.path}: seed {seed}: hidden_cases() gave different cases "
                    "for the same seed; draw every choice from the rng it is given."
                ]
            if problems:
                failing.append(seed)
                self.problems += problems if len(failing) == 1 else []
        if len(failing) > 1:
            listed = ", ".join(map(str, failing[:10])) + (", …" if len(failing) > 10 else "")
            self.problem(
                lab.generator.path.name,
                f"{len(failing)} of the {self.generator_seeds} seeds checked fail "
                f"(seeds {listed}); the first one's problems are above.",
            )
        if self.problems:
            raise LabSpecError(self.problems)

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
        return files


def _parse_case(
    item: Any, visibility: Visibility, custom: Comparator | None, uses_openai: bool
) -> tuple[TestCase | None, list[str]]:
    """One test entry (from lab.yaml, hidden.yaml or a generator), or what is wrong with it."""
    if not isinstance(item, dict) or "expected" not in item or "name" not in item:
        return None, ["needs at least 'name' and 'expected'."]
    problems = [
        f"unknown key {key!r} (known: {', '.join(sorted(TEST_KEYS))})."
        for key in item
        if key not in TEST_KEYS
    ]
    name = item["name"]
    if not isinstance(name, str) or not name.strip():
        problems.append("'name' must be a non-empty string.")
    comparator = item.get("comparator", "exact")
    if comparator == "custom" and custom is None:
        problems.append("uses comparator 'custom' but grader.py has no compare().")
    elif comparator != "custom" and not (isinstance(comparator, str) and comparator in BUILTIN):
        problems.append(f"unknown comparator {comparator!r}.")
    args, kwargs = item.get("args", []), item.get("kwargs", {})
    if not isinstance(args, list) or not isinstance(kwargs, dict):
        problems.append("'args' must be a list and 'kwargs' a mapping.")
    for key, value in (("args", args), ("kwargs", kwargs), ("expected", item["expected"])):
        if (reason := _not_json(value)) is not None:
            problems.append(f"'{key}' must be JSON data: {reason}.")
    points, tolerance = item.get("points", 1), item.get("tolerance", 1e-6)
    for key, value in (("points", points), ("tolerance", tolerance)):
        if not _number(value) or value < 0:
            problems.append(f"'{key}' must be a number, 0 or more.")
    critical = item.get("critical")
    if "critical" in item and not (
        isinstance(critical, str) and critical.strip() and "\n" not in critical.strip()
    ):
        problems.append(
            "critical needs a one-line reason (why failing this test fails the lab), e.g. "
            f'critical: "reveals a patient\'s name"; found {critical!r}.'
        )
    model_calls = None
    if "model_calls" in item:
        if not uses_openai:
            problems.append("'model_calls' needs 'openai: true' (the stub records the calls).")
        model_calls, wrong = ModelCalls.parse(item["model_calls"])
        problems += wrong
    if problems:
        return None, problems
    case = TestCase(
        name=name,
        args=tuple(args),
        kwargs=kwargs,
        expected=item["expected"],
        points=float(points),
        visibility=visibility,
        comparator=comparator,
        tolerance=float(tolerance),
        critical=critical.strip() if critical else None,
        model_calls=model_calls,
    )
    return case, []


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _not_json(value: Any) -> str | None:
    """Why ``value`` is not plain JSON data (what the sandbox's answers are compared as).

    A round trip through the C encoder settles the common case, valid data, quickly:
    generators are checked on hundreds of seeds at every load."""
    with contextlib.suppress(TypeError, ValueError):
        if json.loads(json.dumps(value, allow_nan=False)) == value:
            return None
    return _why_not_json(value)


def _why_not_json(value: Any) -> str | None:
    if value is None or isinstance(value, str | bool | int):
        return None
    if isinstance(value, float):
        return None if math.isfinite(value) else f"{value!r} is not a JSON number"
    if isinstance(value, list):
        return next((reason for item in value if (reason := _why_not_json(item))), None)
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                return f"the key {key!r} is not a string"
            if (reason := _why_not_json(item)) is not None:
                return reason
        return None
    return f"{value!r} is a {type(value).__name__}"
