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

import dataclasses
import random
import re
import traceback
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from assessments.labs.cases import TEST_KEYS, TestCase, parse_case
from assessments.labs.comparators import BUILTIN, Comparator
from assessments.labs.results import Visibility

ENTRY = re.compile(r"^(?P<module>[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*):(?P<function>[A-Za-z_]\w*)$")
DATA_MOUNT = "/lab/data"
#: Seeds 0 .. GENERATOR_SEEDS_CHECKED - 1 are run through a lab's generator when it loads.
GENERATOR_SEEDS_CHECKED = 200
LAB_KEYS = frozenset(
    {"id", "title", "entry", "environment", "openai", "case_timeout", "limits", "tests"}
    | {"generator", "equivalent_mutants", "probe"}
)


class LabSpecError(ValueError):
    """The lab's files are wrong; ``problems`` lists every one as ``file: message``."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


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
            case, wrong = parse_case(item, Visibility.HIDDEN, lab.custom_compare, lab.uses_openai)
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
        # The folder reader builds LabSpecs, so it can only be imported once this module is.
        from assessments.labs.lab_folder import read_lab_folder

        return read_lab_folder(directory, generator_seeds)


__all__ = [
    "DATA_MOUNT",
    "ENTRY",
    "GENERATOR_SEEDS_CHECKED",
    "LAB_KEYS",
    "TEST_KEYS",
    "CaseGenerator",
    "LabSpec",
    "LabSpecError",
    "TestCase",
]
