"""Parameterised labs, critical tests, model_calls and equivalent mutants in a lab's spec:
what loads, what is refused (naming the file and, for a generator, the seed), and the
instances a seed gives. No sandbox here; test_labs_grading.py grades through it."""

from __future__ import annotations

import random
import shutil
import textwrap
from pathlib import Path

import pytest

from assessments.labs import GENERATOR_SEEDS_CHECKED, LabSpec, LabSpecError, ModelCalls
from assessments.labs.results import Visibility

FIXTURES = Path(__file__).parent / "labs_fixtures"
PROMPT_LAB = Path(__file__).parent / "sample_track" / "labs" / "prompt-lab"

GOOD_GENERATOR = """
def hidden_cases(rng):
    a, b = rng.randint(1, 10**6), rng.randint(1, 10**6)
    return [{"name": "sum", "args": [a, b], "expected": a + b, "points": 2}]
"""


def _lab(tmp_path: Path, generator: str | None = GOOD_GENERATOR, extra: str = "") -> Path:
    folder = tmp_path / "lab"
    folder.mkdir()
    (folder / "lab.yaml").write_text(
        "id: adder\ntitle: Add\nentry: 'solution:add'\nenvironment: system\n"
        + ("generator: generator.py\n" if generator is not None else "")
        + extra
        + "tests:\n  - {name: one plus one, args: [1, 1], expected: 2}\n"
    )
    if generator is not None:
        (folder / "generator.py").write_text(textwrap.dedent(generator))
    return folder


def _problems(folder: Path) -> str:
    with pytest.raises(LabSpecError) as error:
        LabSpec.load(folder)
    return "\n".join(error.value.problems)


# -- generators and instances --------------------------------------------------------------


def test_the_same_seed_gives_the_same_instance_and_other_seeds_other_cases() -> None:
    lab = LabSpec.load(PROMPT_LAB)
    assert lab.parameterised
    assert lab.instance(42) == lab.instance(42)
    hidden = {
        tuple((c.name, c.args, c.expected) for c in lab.instance(seed).cases[len(lab.cases) :])
        for seed in range(20)
    }
    assert len(hidden) == 20
    generated = lab.instance(42).cases[len(lab.cases) :]
    assert generated and {c.visibility for c in generated} == {Visibility.HIDDEN}
    assert lab.instance(42).cases[: len(lab.cases)] == lab.cases  # fixed cases come first
    assert not lab.instance(42).parameterised


def test_an_instance_depends_on_its_seed_alone_not_on_global_random_state() -> None:
    lab = LabSpec.load(PROMPT_LAB)
    random.seed(1)
    first = lab.instance(7)
    expected_next = random.random()
    random.seed(1)
    random.random()  # disturb the global generator: the instance must not notice
    assert lab.instance(7) == first
    random.seed(1)
    lab.instance(7)
    assert random.random() == expected_next  # and it does not draw from it either


def test_a_fixed_lab_is_its_own_instance() -> None:
    lab = LabSpec.load(FIXTURES / "stats_lab")
    assert not lab.parameterised
    assert lab.instance(5) is lab


def test_a_generator_failing_for_one_seed_among_200_is_refused_naming_it(tmp_path: Path) -> None:
    assert GENERATOR_SEEDS_CHECKED == 200
    folder = _lab(
        tmp_path,
        """
        import random

        def hidden_cases(rng: random.Random):
            if rng.random() == random.Random(137).random():  # true for seed 137 only
                return {}["x"]
            return [{"name": "n", "args": [1, 2], "expected": 3}]
        """,
    )
    problems = _problems(folder)
    # file:line of the generator's line that raised (line 1 of the file is blank).
    assert f"{folder / 'generator.py'}:6: seed 137: hidden_cases() raised KeyError('x')" in problems
    assert "seeds checked fail" not in problems  # only one seed fails
    # The app's start-up tries fewer seeds: content validate and CI have tried them all.
    assert LabSpec.load(folder, generator_seeds=10).parameterised


def test_a_generator_failing_for_many_seeds_reports_the_first_and_counts_them(
    tmp_path: Path,
) -> None:
    folder = _lab(
        tmp_path, "def hidden_cases(rng):\n    return [] if rng.random() < 0.5 else 1/0\n"
    )
    with pytest.raises(LabSpecError) as error:
        LabSpec.load(folder)
    first, *rest = error.value.problems
    assert "seed 0: hidden_cases()" in first
    assert len(rest) == 1
    assert "200 of the 200 seeds checked fail (seeds 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, …)" in rest[0]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("return {'name': 'a'}", "must return a non-empty list, not a dict"),
        ("return []", "must return a non-empty list, not an empty list"),
        (
            "return [{'name': 'a', 'expected': 1}, {'name': 'a', 'expected': 2}]",
            "test name 'a' is generated more than once",
        ),
        (
            "return [{'name': 'one plus one', 'expected': 2}]",
            "test name 'one plus one' is also a fixed test's name",
        ),
        ("return [{'name': 'a', 'args': (1, 2), 'expected': 3}]", "'args' must be a list"),
        ("return [{'name': 'a', 'expected': {1, 2}}]", "'expected' must be JSON data: {1, 2}"),
        ("return [{'name': 'a', 'expected': float('nan')}]", "nan is not a JSON number"),
        (
            "import datetime\n    return [{'name': 'a', 'args': [datetime.date(2026, 1, 2)], "
            "'expected': 1}]",
            "'args' must be JSON data: datetime.date(2026, 1, 2) is a date",
        ),
        ("return [{'name': 'a', 'expected': 1, 'visibility': 'visible'}]", "unknown key"),
        ("return [{'name': 'a', 'expected': 1, 'points': '2'}]", "'points' must be a number"),
        ("return [{'name': 7, 'expected': 1}]", "'name' must be a non-empty string"),
        ("return [{'args': [1]}]", "test 1: needs at least 'name' and 'expected'"),
        (
            "import random\n    return [{'name': 'a', 'expected': random.random()}]",
            "gave different cases for the same seed",
        ),
    ],
)
def test_wrong_generated_cases_are_refused_with_the_seed(
    tmp_path: Path, body: str, message: str
) -> None:
    problems = _problems(_lab(tmp_path, f"def hidden_cases(rng):\n    {body}\n"))
    assert "generator.py: seed 0: " in problems and message in problems, problems


@pytest.mark.parametrize(
    ("source", "lab_yaml_generator", "message"),
    [
        ("x = 1\n", "generator.py", "must define hidden_cases(rng)"),
        ("import nowhere_to_be_found\n", "generator.py", "cannot be loaded: ModuleNotFoundError"),
        (GOOD_GENERATOR, "../generator.py", "'generator' must name a .py file in the lab folder"),
        (GOOD_GENERATOR, "gen.py", "gen.py: the file is missing"),
    ],
)
def test_a_broken_generator_file_is_refused(
    tmp_path: Path, source: str, lab_yaml_generator: str, message: str
) -> None:
    folder = _lab(tmp_path, source)
    lab_yaml = folder / "lab.yaml"
    lab_yaml.write_text(
        lab_yaml.read_text().replace("generator.py", f"{lab_yaml_generator!r}".replace("'", '"'))
    )
    assert message in _problems(folder)


def test_a_lab_may_have_only_generated_hidden_tests_beside_its_visible_ones(
    tmp_path: Path,
) -> None:
    lab = LabSpec.load(_lab(tmp_path))
    (case,) = lab.instance(3).cases[1:]
    assert case.name == "sum" and case.points == 2.0
    assert case.expected == sum(case.args)


# -- critical tests ------------------------------------------------------------------------


def test_a_critical_test_carries_its_reason(tmp_path: Path) -> None:
    lab = LabSpec.load(PROMPT_LAB)
    critical = {c.name: c.critical for c in lab.cases if c.critical}
    assert critical == {
        "a tie is negative": "a review as negative as it is positive must never pass as praise"
    }


@pytest.mark.parametrize("value", ["true", '""', '"  "', '"two\\nlines"', "[a reason]"])
def test_critical_without_a_one_line_reason_is_refused(tmp_path: Path, value: str) -> None:
    folder = _lab(tmp_path, None)
    (folder / "hidden.yaml").write_text(
        f"tests:\n  - {{name: h, args: [2, 2], expected: 4, critical: {value}}}\n"
    )
    problems = _problems(folder)
    assert f"{folder / 'hidden.yaml'}: test 1: critical needs a one-line reason" in problems


def test_a_generated_case_can_be_critical_and_must_say_why(tmp_path: Path) -> None:
    good = "def hidden_cases(rng):\n    return [{'name': 'g', 'expected': 1, 'critical': 'x'}]\n"
    lab = LabSpec.load(_lab(tmp_path, good))
    assert lab.instance(0).cases[-1].critical == "x"
    shutil.rmtree(tmp_path / "lab")
    bad = good.replace("'x'", "True")
    assert "seed 0: test 1: critical needs a one-line reason" in _problems(_lab(tmp_path, bad))


# -- model_calls ---------------------------------------------------------------------------


def test_model_calls_are_read_for_openai_labs() -> None:
    lab = LabSpec.load(FIXTURES / "openai_lab")
    calls = {c.name: c.model_calls for c in lab.cases if c.model_calls}
    assert calls == {
        "chat reply": ModelCalls(min_calls=1, first_roles=("system", "user")),
        "tool call": ModelCalls(min_calls=1, tools_offered=("get_weather",)),
    }


@pytest.mark.parametrize(
    ("openai", "model_calls", "message"),
    [
        ("false", "{min_calls: 1}", "'model_calls' needs 'openai: true'"),
        ("true", "{min_call: 1}", "unknown key 'min_call'"),
        ("true", "{min_calls: -1}", "'model_calls: min_calls' must be a whole number"),
        ("true", "{min_calls: true}", "'model_calls: min_calls' must be a whole number"),
        ("true", "{tools_offered: get_weather}", "tools_offered' must be a list"),
        ("true", "{first_roles: [system, human]}", "'model_calls: first_roles' must be a list"),
        ("true", "[1]", "'model_calls' must be a mapping"),
    ],
)
def test_wrong_model_calls_are_refused(
    tmp_path: Path, openai: str, model_calls: str, message: str
) -> None:
    folder = _lab(tmp_path, None, extra=f"openai: {openai}\n")
    (folder / "hidden.yaml").write_text(
        f"tests:\n  - {{name: h, expected: 4, model_calls: {model_calls}}}\n"
    )
    assert message in _problems(folder)


def test_model_calls_failures_name_the_expectation_missed() -> None:
    chat = "/v1/chat/completions"
    expectation = ModelCalls(min_calls=2, tools_offered=("lookup",), first_roles=("system",))
    assert "at least 2 call(s)" in (expectation.failure([]) or "")
    one_chat = {"path": chat, "body": {"messages": [{"role": "user"}], "tools": []}}
    embedding = {"path": "/v1/embeddings", "body": {"input": "x"}}
    assert "the program made 1" in (expectation.failure([one_chat, {"path": "/v1/models"}]) or "")
    assert "offered the tool(s) lookup" in (expectation.failure([one_chat, embedding]) or "")
    offered = {
        "path": chat,
        "body": {"messages": [{"role": "user"}], "tools": [{"function": {"name": "lookup"}}]},
    }
    missed = expectation.failure([offered, one_chat]) or ""
    assert "should begin with the roles system; they begin with user" in missed
    system_first = {
        "path": chat,
        "body": {
            "messages": [{"role": "system"}, {"role": "user"}],
            "tools": [{"type": "function", "function": {"name": "lookup"}}, "junk"],
        },
    }
    assert expectation.failure([system_first, one_chat]) is None
    # A program's requests may hold anything: odd shapes are a miss, never a crash.
    odd = [{"path": chat, "body": {"messages": "hi", "tools": {"a": 1}}}, {"path": chat}]
    assert "begin with nothing" in (ModelCalls(first_roles=("user",)).failure(odd) or "")
    assert "offered the tool(s) a" in (ModelCalls(tools_offered=("a",)).failure(odd) or "")


# -- equivalent mutants --------------------------------------------------------------------


def test_equivalent_mutants_are_read_with_their_reasons(tmp_path: Path) -> None:
    extra = (
        "equivalent_mutants:\n"
        "  - {id: 'compare-flip:solution.py:3:9', reason: ' x and y are never equal here '}\n"
        "  - {id: drop-case-fold:solution.py:2:5, reason: input is lower case already}\n"
    )
    lab = LabSpec.load(_lab(tmp_path, None, extra=extra))
    assert lab.equivalent_mutants == {
        "compare-flip:solution.py:3:9": "x and y are never equal here",
        "drop-case-fold:solution.py:2:5": "input is lower case already",
    }
    assert LabSpec.load(PROMPT_LAB).equivalent_mutants == {}


@pytest.mark.parametrize(
    ("entries", "message"),
    [
        ("[{id: m1}]", "equivalent mutant 'm1' needs a 'reason'"),
        ("[{id: m1, reason: ''}]", "equivalent mutant 'm1' needs a 'reason'"),
        ("[{id: m1, reason: a}, {id: m1, reason: b}]", "equivalent mutant 'm1' is listed twice"),
        ("[{reason: a}]", "equivalent mutant 1 needs an 'id'"),
        ("[{id: '', reason: a}]", "equivalent mutant 1 needs an 'id'"),
        ("[{id: m1, reason: a, note: b}]", "equivalent mutant 1 must be a mapping"),
        ("{m1: a}", "'equivalent_mutants' must be a list"),
    ],
)
def test_wrong_equivalent_mutants_are_refused(tmp_path: Path, entries: str, message: str) -> None:
    folder = _lab(tmp_path, None, extra=f"equivalent_mutants: {entries}\n")
    assert f"{folder / 'lab.yaml'}: {message}" in _problems(folder)


def test_unknown_keys_in_lab_yaml_are_refused(tmp_path: Path) -> None:
    folder = _lab(tmp_path, None, extra="generater: generator.py\n")
    assert "unknown key 'generater'" in _problems(folder)
