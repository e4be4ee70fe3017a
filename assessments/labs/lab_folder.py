"""Reading a lab folder (lab.yaml, hidden.yaml, grader.py, generator.py, probe.py, data/)
into a ``LabSpec``, with every problem found reported at once."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path
from types import ModuleType
from typing import Any

import yaml

from assessments.labs.cases import TestCase, is_number, parse_case
from assessments.labs.comparators import Comparator, Comparison
from assessments.labs.limits import Limits
from assessments.labs.results import Visibility
from assessments.labs.spec import (
    DATA_MOUNT,
    ENTRY,
    LAB_KEYS,
    CaseGenerator,
    LabSpec,
    LabSpecError,
)


def read_lab_folder(directory: Path, generator_seeds: int) -> LabSpec:
    """The lab in ``directory`` (``LabSpec.load``); ``LabSpecError`` lists every problem."""
    return _LabFolder(directory, generator_seeds).load()


class _LabFolder:
    """One lab folder being read; problems are collected, then raised together."""

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
        self.check_names([data for data, _, _ in raw_tests])
        case_timeout = self.check_header(lab)
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

    def check_names(self, files: list[dict[str, Any]]) -> None:
        """Test names are unique across lab.yaml and hidden.yaml."""
        names = [
            item["name"]
            for data in files
            if isinstance(data.get("tests"), list)
            for item in data["tests"]
            if isinstance(item, dict) and isinstance(item.get("name"), str)
        ]
        for name in sorted({n for n in names if names.count(n) > 1}):
            self.problem("lab.yaml", f"test name {name!r} is used more than once.")

    def check_header(self, lab: dict[str, Any]) -> Any:
        """Checks ``id``, ``title``, ``case_timeout`` and ``limits``; the case timeout."""
        for key in ("id", "title"):
            if not isinstance(lab.get(key), str) or not lab.get(key):
                self.problem("lab.yaml", f"'{key}' must be a non-empty string.")
        case_timeout = lab.get("case_timeout", 10.0)
        if not is_number(case_timeout) or case_timeout <= 0:
            self.problem("lab.yaml", "'case_timeout' must be a number of seconds above 0.")
        self.check_limits(lab.get("limits", {}))
        return case_timeout

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
            case, problems = parse_case(item, visibility, custom, uses_openai)
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
