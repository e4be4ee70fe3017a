"""How well a lab's tests tell right code from nearly-right code: mutants and wrong solutions.

The reference solution (``<lab>/reference/``) is graded first and must score 1.0. Then
every mutant of it (``assessments.mutants``) and every shipped wrong solution
(``<lab>/wrong/<name>/``) is graded in the sandbox, exactly as a learner's submission would
be. A mutant is *killed* when it does not get full marks on some seed: a lower score, a
submission that cannot be graded, or a grader that fails on its answer (reported as a
problem of the lab too). Mutants the author declared equivalent in ``lab.yaml``
(``equivalent_mutants``: they behave exactly like the reference) are not graded and are
left out of the rate::

    mutation_kill_rate = killed / (mutants - equivalent)

A parameterised lab (``LabSpec.parameterised``) is graded on the same seeds 1..N for every
submission, via ``LabSpec.instance(seed)``.
"""

from __future__ import annotations

import dataclasses
import shutil
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from assessments.labs import (
    LabResult,
    LabSpec,
    ResultStatus,
    SandboxConfig,
    TestStatus,
    grade_submission,
)
from assessments.mutants import Mutant, mutants_of_folder

#: Seeds a parameterised lab is graded on unless told otherwise (``--seeds``).
DEFAULT_SEEDS = 3
#: Submissions graded at once. Each sandbox is busy on one core; CI machines have two.
WORKERS = 2
#: Progress is reported about this many times per lab.
PROGRESS_STEPS = 10
#: Pauses before grading again when no sandbox could start. A dead sandbox's init stays a
#: zombie until the machine's init reaps it (docs/labs.md), and zombies count against the
#: sandbox uid's process limit: a burst of gradings can hit that limit for a moment.
RETRY_PAUSES = (0.5, 1.0, 2.0, 4.0)

Progress = Callable[[str], None]


class SandboxDown(Exception):
    """No sandbox can be started: no lab can be audited on this machine."""


@dataclasses.dataclass(frozen=True, slots=True)
class Survivor:
    """A mutant that got full marks: the lab needs a test that tells it from the reference."""

    id: str
    file: str
    line: int
    before: str  #: the reference's line
    after: str  #: the mutant's line


@dataclasses.dataclass(frozen=True, slots=True)
class LabAudit:
    id: str
    folder: Path
    seeds: tuple[int, ...] | None  #: None: the lab is not parameterised, graded once
    mutants: int  #: mutants made, equivalent ones included
    equivalent: int  #: mutants the author declared equivalent (not graded)
    killed: int
    survivors: tuple[Survivor, ...]
    wrong_solutions: int
    wrong_solutions_missed: tuple[str, ...]  #: names of wrong solutions that got full marks
    #: The lab is broken: the reference lost marks, the grader failed. Fix before trusting.
    problems: tuple[str, ...] = ()
    #: Worth a look: equivalent_mutants ids that match no mutant (stale after an edit).
    warnings: tuple[str, ...] = ()

    @property
    def mutation_kill_rate(self) -> float | None:
        """killed / (mutants - equivalent); None when none was graded (no mutants, or the
        reference itself lost marks, so that losing marks means nothing)."""
        graded = self.killed + len(self.survivors)
        return self.killed / graded if graded else None

    @property
    def wrong_solutions_caught(self) -> int:
        return self.wrong_solutions - len(self.wrong_solutions_missed)


def audit_lab(
    folder: Path,
    *,
    seeds: int = DEFAULT_SEEDS,
    workers: int = WORKERS,
    progress: Progress | None = None,
    config: SandboxConfig | None = None,
) -> LabAudit:
    """Grade the reference, its mutants and the wrong solutions of the lab in ``folder``.

    Raises ``LabSpecError`` when the lab does not load, ``SandboxDown`` when no sandbox
    can be started (nothing could be audited).
    """
    lab = LabSpec.load(folder)
    reference = folder / "reference"
    grader = _Grader(lab, reference, seeds, config)
    wrong = sorted(p for p in (folder / "wrong").glob("*") if p.is_dir())
    made = mutants_of_folder(reference) if reference.is_dir() else []
    declared = lab.equivalent_mutants
    ids = {m.id for m in made}
    warnings = tuple(
        f"equivalent_mutants: {stale!r} is not a mutant of the reference (it may have moved "
        "when the reference was edited)"
        for stale in sorted(declared.keys() - ids)
    )
    counted = [m for m in made if m.id not in declared]
    result = LabAudit(
        id=lab.id,
        folder=folder,
        seeds=grader.seeds,
        mutants=len(made),
        equivalent=len(made) - len(counted),
        killed=0,
        survivors=(),
        wrong_solutions=len(wrong),
        wrong_solutions_missed=(),
        warnings=warnings,
    )
    if not reference.is_dir():
        return dataclasses.replace(
            result, problems=("no reference/ folder: there is nothing to make mutants of",)
        )
    broken = grader.reference_problems()
    if broken:
        return dataclasses.replace(result, problems=tuple(broken))
    jobs: list[Mutant | Path] = [*counted, *wrong]
    report = _Reporter(lab.id, len(jobs), progress)

    def run(job: Mutant | Path) -> tuple[bool, str | None]:
        outcome = grader.loses_marks(job) if isinstance(job, Path) else grader.mutant(job)
        report.one_done()
        return outcome

    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        outcomes = list(pool.map(run, jobs))
    mutant_outcomes, wrong_outcomes = outcomes[: len(counted)], outcomes[len(counted) :]
    return dataclasses.replace(
        result,
        killed=sum(caught for caught, _ in mutant_outcomes),
        survivors=tuple(
            Survivor(m.id, m.file, m.line, m.before, m.after)
            for m, (caught, _) in zip(counted, mutant_outcomes, strict=True)
            if not caught
        ),
        wrong_solutions_missed=tuple(
            p.name for p, (caught, _) in zip(wrong, wrong_outcomes, strict=True) if not caught
        ),
        problems=tuple(problem for _, problem in outcomes if problem),
    )


def grade_patiently(spec: LabSpec, folder: Path, config: SandboxConfig | None = None) -> LabResult:
    """Grade a submission, waiting and trying again while no sandbox can start: grading
    many submissions back to back leaves dead sandboxes that count against the sandbox
    user's process limit until the machine's init reaps them. ``SandboxDown`` if it stays
    unavailable."""
    for pause in (*RETRY_PAUSES, None):
        result = grade_submission(spec, folder, config=config)
        if result.status is not ResultStatus.SANDBOX_UNAVAILABLE:
            return result
        if pause is not None:
            time.sleep(pause)
    raise SandboxDown(result.staff_output or result.message)


class _Grader:
    """Grades submissions of one lab on its seeds; thread-safe (grading shares nothing)."""

    def __init__(
        self, lab: LabSpec, reference: Path, seeds: int, config: SandboxConfig | None
    ) -> None:
        self.reference, self.config = reference, config
        if lab.parameterised:
            self.seeds: tuple[int, ...] | None = tuple(range(1, max(1, seeds) + 1))
            self.specs: Sequence[tuple[int | None, LabSpec]] = [
                (seed, lab.instance(seed)) for seed in self.seeds
            ]
        else:
            self.seeds, self.specs = None, [(None, lab)]

    def reference_problems(self) -> list[str]:
        problems = []
        for seed, spec in self.specs:
            result = self.grade(spec, self.reference)
            if result.score != 1.0:
                on = f" on seed {seed}" if seed is not None else ""
                failed = [t.name for t in result.tests if t.status is not TestStatus.PASSED]
                why = f"tests not passed: {', '.join(failed)}" if failed else result.message
                problems.append(f"the reference scores {result.score}{on} ({why})")
        return problems

    def loses_marks(self, folder: Path, name: str | None = None) -> tuple[bool, str | None]:
        """Whether a submission misses full marks on some seed; and a problem of the lab's,
        when its grader failed on this submission (a learner's would fail the same way)."""
        for _seed, spec in self.specs:
            result = self.grade(spec, folder)
            if result.status is ResultStatus.INTERNAL_ERROR:
                last = (result.staff_output.strip().splitlines() or [result.message])[-1]
                return True, f"the grader failed on {name or folder.name}: {last}"
            if result.score != 1.0:
                return True, None
        return False, None

    def grade(self, spec: LabSpec, folder: Path) -> LabResult:
        return grade_patiently(spec, folder, self.config)

    def mutant(self, mutant: Mutant) -> tuple[bool, str | None]:
        with tempfile.TemporaryDirectory(prefix="skillcert-mutant-") as scratch:
            submission = Path(scratch) / "submission"
            shutil.copytree(self.reference, submission)
            (submission / mutant.file).write_text(mutant.source, encoding="utf-8")
            return self.loses_marks(submission, mutant.id)


class _Reporter:
    """Counts finished submissions across worker threads; reports every tenth or so."""

    def __init__(self, lab_id: str, total: int, progress: Progress | None) -> None:
        self.lab_id, self.total, self.progress = lab_id, total, progress
        self.done = 0
        self.step = max(1, total // PROGRESS_STEPS)
        self.lock = threading.Lock()

    def one_done(self) -> None:
        with self.lock:
            self.done += 1
            if self.progress and (self.done % self.step == 0 or self.done == self.total):
                self.progress(f"lab {self.lab_id}: {self.done}/{self.total} graded")
