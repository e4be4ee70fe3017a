"""Benchmark of the assessment engine: `.venv/bin/python bench/engine.py`.

Each part is a function in ``PARTS`` that returns result rows; a part measures the engine
against a baseline taken in the same run on the same machine, so the ratio means something
even on a busy or slow machine. Parts owned by other areas (item analysis, lab grading)
plug in the same way.

Targets (issue 4): load + validate a 2,000-item track < 2 s; score >= 50,000 answers/s;
item analysis of 1,000 learners x 100 items < 1 s; sandbox overhead < 150 ms per run.
"""

from __future__ import annotations

import dataclasses
import random
import tempfile
from collections.abc import Callable
from pathlib import Path

import yaml
from harness import timed

from assessments import markdown
from assessments.catalog import STARTUP_GENERATOR_SEEDS, TRACKS_DIR
from assessments.labs import GENERATOR_SEEDS_CHECKED
from assessments.loader import load_tracks
from assessments.model import Item, Track

ITEMS = 2_000
MODULES = 20
ANSWERS = 100_000


@dataclasses.dataclass(frozen=True)
class Row:
    name: str
    value: float
    unit: str
    target: str = ""
    ok: bool | None = None
    note: str = ""


# -- generating content ------------------------------------------------------------------


def _item(n: int) -> dict:
    """The n-th generated item, cycling through the automatically scored types."""
    base = {
        "id": f"i{n}",
        "version": "1.0.0",
        "difficulty": "intermediate",
        "stem": f"Question number {n} about *models*?",
    }
    options = [
        {"id": f"o{k}", "text": f"Option {k} of item {n}", "rationale": f"Why {k} is so."}
        for k in range(4)
    ]
    kind = n % 6
    if kind == 0:
        options[n % 4]["correct"] = True
        return {**base, "type": "single_choice", "options": options}
    if kind == 1:
        for k in (0, 2):
            options[k]["correct"] = True
        return {**base, "type": "multiple_choice", "options": options}
    if kind == 2:
        return {**base, "type": "numeric", "answer": n, "tolerance": 0.5}
    if kind == 3:
        answers = [{"value": f"answer {n}"}, {"match": "regex", "value": rf"ans(wer)? {n}"}]
        return {**base, "type": "short_text", "answers": answers}
    if kind == 4:
        return {**base, "type": "ordering", "entries": options}
    responses = [{"id": f"r{k}", "text": f"Response {k}"} for k in range(4)]
    prompts = [{"id": f"p{k}", "text": f"Prompt {k}", "answer": f"r{k}"} for k in range(3)]
    return {**base, "type": "matching", "prompts": prompts, "responses": responses}


def write_track(root: Path) -> Path:
    folder = root / "bench-track"
    per_module = ITEMS // MODULES
    modules = [f"m{m}" for m in range(MODULES)]
    track = {
        "id": "bench",
        "version": "1.0.0",
        "title": "Benchmark",
        "summary": "Generated.",
        "audience": "Machines",
        "competencies": [{"id": "c1", "title": "One"}, {"id": "c2", "title": "Two"}],
        "modules": modules,
    }
    folder.mkdir()
    (folder / "track.yaml").write_text(yaml.safe_dump(track, sort_keys=False))
    for m, module_id in enumerate(modules):
        items = [_item(m * per_module + k) for k in range(per_module)]
        quiz = {
            "id": f"quiz-{m}",
            "version": "1.0.0",
            "kind": "quiz",
            "title": f"Quiz {m}",
            "competencies": ["c1"],
            "items": items,
        }
        module = {
            "id": module_id,
            "version": "1.0.0",
            "title": f"Module {m}",
            "reviewed": "2026-01-01",
            "review_by": "2099-01-01",
            "activities": [quiz],
        }
        (folder / "modules" / module_id).mkdir(parents=True)
        (folder / "modules" / module_id / "module.yaml").write_text(
            yaml.safe_dump(module, sort_keys=False)
        )
    return root


# -- parts -------------------------------------------------------------------------------


def bench_load(state: dict) -> list[Row]:
    """Load + validate the generated track; baseline: parse the same YAML without checks."""
    root = write_track(Path(state["tmp"]))
    files = sorted(root.rglob("*.yaml"))
    c_loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    parse_c, _ = timed(lambda: [yaml.load(f.read_bytes(), Loader=c_loader) for f in files])
    parse_py, _ = timed(lambda: [yaml.safe_load(f.read_bytes()) for f in files])
    markdown.render.cache_clear()
    markdown.render_inline.cache_clear()
    seconds, result = timed(lambda: load_tracks(root))
    assert not result.problems, result.problems[:5]
    (track,) = result.tracks
    state["track"] = track
    count = sum(len(a.items) for a in track.activities())
    return [
        Row(f"load + validate {count} items", seconds, "s", "< 2 s", seconds < 2),
        Row("baseline: yaml.load, libyaml, no checks", parse_c, "s"),
        Row("baseline: yaml.safe_load, pure Python", parse_py, "s"),
        Row("ratio to libyaml parse", seconds / parse_c, "x"),
        Row("ratio to pure-Python parse", seconds / parse_py, "x"),
    ]


def bench_shipped(state: dict) -> list[Row]:
    """Load the shipped tracks as the app does at start-up; baseline: as content validate does."""
    markdown.render.cache_clear()
    markdown.render_inline.cache_clear()
    validate, result = timed(lambda: load_tracks(TRACKS_DIR))
    assert not result.problems, result.problems[:5]
    markdown.render.cache_clear()
    markdown.render_inline.cache_clear()
    startup, _ = timed(lambda: load_tracks(TRACKS_DIR, generator_seeds=STARTUP_GENERATOR_SEEDS))
    return [
        Row(f"start-up load ({STARTUP_GENERATOR_SEEDS} generator seeds)", startup, "s"),
        Row(f"baseline: validate ({GENERATOR_SEEDS_CHECKED} generator seeds)", validate, "s"),
        Row("ratio start-up / validate", startup / validate, "x"),
    ]


def _answers(item: Item, rng: random.Random) -> list[object]:
    """A right and a wrong answer of the right shape for ``item``."""
    definition = item.definition
    match item.type:
        case "single_choice":
            return [definition.correct, "o3" if definition.correct != "o3" else "o0"]
        case "multiple_choice":
            return [["o0", "o2"], ["o1", "o2"]]
        case "numeric":
            return [definition.answer, str(definition.answer + 3)]
        case "short_text":
            n = item.id[1:]
            return [f"Answer  {n}", f"ans {n}", "no idea"]
        case "ordering":
            ids = [e.id for e in definition.entries]
            return [ids, rng.sample(ids, len(ids))]
        case _:
            return [{"p0": "r0", "p1": "r1", "p2": "r2"}, {"p0": "r1", "p1": "r0", "p2": "r3"}]


def bench_scoring(state: dict) -> list[Row]:
    """Score answers of every automatically scored type; baseline: compare with a key."""
    track: Track = state["track"]
    rng = random.Random(4)
    items = [i for a in track.activities() for i in a.items]
    pool = [(item, answer) for item in items for answer in _answers(item, rng)]
    work = [pool[rng.randrange(len(pool))] for _ in range(ANSWERS)]
    keys = [(answer, answer) for _, answer in work]

    def score_all() -> float:
        return sum(item.score(answer).score for item, answer in work)

    def baseline() -> int:
        return sum(1 for given, key in keys if given == key)

    base_seconds, _ = timed(baseline)
    seconds, total = timed(score_all)
    rate = ANSWERS / seconds
    return [
        Row(f"score {ANSWERS:,} answers", rate, "answers/s", ">= 50,000/s", rate >= 50_000),
        Row("baseline: compare each answer with a key", ANSWERS / base_seconds, "answers/s"),
        Row("ratio: time per answer vs baseline", seconds / base_seconds, "x"),
        Row("points awarded (sanity)", total, "points"),
    ]


def bench_analysis(state: dict) -> list[Row]:
    """Item analysis, 1,000 learners x 100 items (``assessments.analysis``)."""
    try:
        from assessments.analysis import benchmark_analysis
    except ImportError:
        return [Row("item analysis", float("nan"), "s", note="assessments.analysis not there yet")]
    seconds = benchmark_analysis(1_000, 100)
    return [Row("item analysis 1,000 x 100", seconds, "s", "< 1 s", seconds < 1)]


SAMPLE_LAB = (
    Path(__file__).resolve().parent.parent / "tests/assessments/sample_track/labs/prompt-lab"
)
LAB_SUBMISSIONS = 50
_SOLUTIONS = (
    "def classify(text):\n    bad = {'broken', 'terrible', 'awful'}\n"
    "    words = text.lower().replace(',', ' ').split()\n"
    "    return 'negative' if any(w in bad for w in words) else 'positive'\n",
    "def classify(text):\n    return 'positive'\n",
)


def bench_labs(state: dict) -> list[Row]:
    """Lab grading: sandbox overhead vs unsandboxed, and 50 submissions with 2 workers."""
    from concurrent.futures import ThreadPoolExecutor

    from assessments.labs import LabSpec, grade_submission, measure_sandbox_overhead

    overhead = measure_sandbox_overhead(runs=20)
    lab = LabSpec.load(SAMPLE_LAB)
    lab = lab.instance(1) if lab.parameterised else lab  # a submission is graded on its seed
    folders = []
    for n in range(LAB_SUBMISSIONS):
        folder = Path(state["tmp"]) / f"submission-{n}"
        folder.mkdir()
        (folder / "solution.py").write_text(_SOLUTIONS[n % 2])
        folders.append(folder)

    def grade_all(workers: int) -> list:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            return list(pool.map(lambda f: grade_submission(lab, f), folders))

    one_seconds, _ = timed(lambda: grade_all(1))
    two_seconds, results = timed(lambda: grade_all(2))
    graded = sum(r.gradable for r in results)
    return [
        Row(
            "sandbox start-up overhead (median)",
            overhead["overhead_ms_median"],
            "ms",
            "< 150 ms",
            overhead["overhead_ms_median"] < 150,
        ),
        Row("sandbox start-up overhead (p95)", overhead["overhead_ms_p95"], "ms"),
        Row("baseline: same script unsandboxed (median)", overhead["plain_ms_median"], "ms"),
        Row(
            f"grade {LAB_SUBMISSIONS} submissions, 2 workers",
            two_seconds,
            "s",
            note=f"{graded} graded, {LAB_SUBMISSIONS / two_seconds:.1f}/s",
        ),
        Row(f"baseline: grade {LAB_SUBMISSIONS} submissions, 1 worker", one_seconds, "s"),
        Row("ratio: 2 workers vs 1", two_seconds / one_seconds, "x"),
    ]


PARTS: list[Callable[[dict], list[Row]]] = [
    bench_load,
    bench_shipped,
    bench_scoring,
    bench_analysis,
    bench_labs,
]


def main() -> int:
    failed = False
    with tempfile.TemporaryDirectory() as tmp:
        state: dict = {"tmp": tmp}
        for part in PARTS:
            print(f"\n## {(part.__doc__ or part.__name__).splitlines()[0]}")
            for row in part(state):
                mark = {True: "ok", False: "MISSED", None: ""}[row.ok]
                value = f"{row.value:,.3f}" if row.value < 1000 else f"{row.value:,.0f}"
                line = f"{row.name:<45} {value:>14} {row.unit:<10} {row.target:<14} {mark}"
                print(f"  {line} {row.note}")
                failed |= row.ok is False
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
