"""The tracks' own promises: labs grade their reference solutions right, scenarios reward experts.

Runs over the tracks that ship in assessments/tracks and the sample track. Lab checks run
in the sandbox (CI always has it: the README's test command sets it up).
"""

from __future__ import annotations

import itertools
import os
import shutil
from pathlib import Path

import pytest

from assessments.catalog import TRACKS_DIR
from assessments.lab_audit import grade_patiently
from assessments.labs import LabSpec
from assessments.loader import load_tracks
from assessments.model import ActivityKind

pytestmark = [pytest.mark.sandbox, pytest.mark.slow]

SAMPLE_DIR = Path(__file__).parent / "assessments"


def _tracks():
    shipped = load_tracks(TRACKS_DIR)
    assert shipped.problems == [], [str(p) for p in shipped.problems]
    sample = load_tracks(SAMPLE_DIR)
    return [*shipped.tracks, *(t for t in sample.tracks if t.id == "sample")]


TRACKS = _tracks()


def _each_once(kind: ActivityKind) -> dict[str, object]:
    """activity id → activity, once each: specialisations inherit their base track's labs
    and scenarios, which need checking only once."""
    found = {}
    for track in TRACKS:
        for activity in track.activities():
            if activity.kind is kind:
                found.setdefault(activity.id, activity)
    return found


LABS = [
    pytest.param(activity.lab.path, id=activity_id)
    for activity_id, activity in _each_once(ActivityKind.LAB).items()
]
SCENARIOS = [
    pytest.param(activity.scenario, id=activity_id)
    for activity_id, activity in _each_once(ActivityKind.SCENARIO).items()
]


@pytest.fixture(autouse=True)
def _needs_sandbox(request):
    if "lab_folder" in request.fixturenames and shutil.which("bwrap") is None:
        if os.environ.get("CI") == "true":
            pytest.fail("bubblewrap is missing: the README's test command installs it")
        pytest.skip("bubblewrap is not installed (the README's test command installs it)")


#: Seeds a parameterised lab's reference must score full marks on (a fixed lab has one).
REFERENCE_SEEDS = 50
#: Seeds each wrong solution must lose marks on.
WRONG_SEEDS = 3


@pytest.mark.parametrize("lab_folder", LABS)
def test_reference_scores_full_marks_and_wrong_solutions_lose_marks(lab_folder: Path):
    spec = LabSpec.load(lab_folder)
    seeds = range(REFERENCE_SEEDS if spec.parameterised else 1)
    for seed in seeds:
        reference = grade_patiently(spec.instance(seed), lab_folder / "reference")
        failed = [(t.name, t.status.value) for t in reference.tests if t.score < t.max_score]
        assert reference.score == 1.0, (seed, reference.message, failed)
    wrong = sorted(p for p in (lab_folder / "wrong").iterdir() if p.is_dir())
    assert len(wrong) >= 2, "each lab needs at least two wrong solutions in wrong/<name>/"
    for folder, seed in itertools.product(wrong, seeds[:WRONG_SEEDS]):
        result = grade_patiently(spec.instance(seed), folder)
        assert result.score is None or result.score < 1.0, f"{folder.name} got full marks"


def _paths(scenario, node_id, taken=()):
    """Every complete path through the scenario graph, as (path of node ids, choices)."""
    node = scenario.nodes[node_id]
    if node.is_end:
        yield (*taken, node_id)
        return
    for choice in node.choices:
        yield from _paths(scenario, choice.next, (*taken, node_id))


def _walk(scenario, path):
    run = scenario.start()
    for here, there in itertools.pairwise(path):
        choice = next(c for c in scenario.nodes[here].choices if c.next == there)
        justification = (
            "Because it protects the people involved."
            if scenario.nodes[here].justification
            else None
        )
        run = scenario.choose(run, here, choice.id, justification)
    return scenario.result(run)


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_expert_path_scores_highest(scenario):
    expert = _walk(scenario, scenario.expert_path)
    assert expert.score == scenario.max_score
    others = [p for p in _paths(scenario, scenario.start_node) if p != scenario.expert_path]
    assert others, "a scenario needs choices that lead elsewhere"
    for path in others:
        assert _walk(scenario, path).score < expert.score, f"{' -> '.join(path)} ties the expert"


#: A path that took a serious error (a choice scoring 0 or less where a better one scored
#: more) ends at most this share of the best score, however well it recovered.
RECOVERY_CAP = 0.70


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_recovering_from_a_serious_error_scores_clearly_below_the_expert(scenario):
    for path in _paths(scenario, scenario.start_node):
        serious = [
            here
            for here, there in itertools.pairwise(path)
            if (node := scenario.nodes[here]).best_score > 0
            and next(c for c in node.choices if c.next == there).score <= 0
        ]
        if serious:
            score = _walk(scenario, path).score
            assert score <= RECOVERY_CAP * scenario.max_score, (
                f"{' -> '.join(path)} errs at {serious[0]} yet scores {score:g} of "
                f"{scenario.max_score:g}"
            )
