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
from assessments.labs import LabSpec, grade_submission
from assessments.loader import load_tracks
from assessments.model import ActivityKind

SAMPLE_DIR = Path(__file__).parent / "assessments"


def _tracks():
    shipped = load_tracks(TRACKS_DIR)
    assert shipped.problems == [], [str(p) for p in shipped.problems]
    sample = load_tracks(SAMPLE_DIR)
    return [*shipped.tracks, *(t for t in sample.tracks if t.id == "sample")]


TRACKS = _tracks()
LABS = [
    pytest.param(activity.lab.path, id=f"{track.id}/{activity.id}")
    for track in TRACKS
    for activity in track.activities()
    if activity.kind is ActivityKind.LAB
]
SCENARIOS = [
    pytest.param(activity.scenario, id=f"{track.id}/{activity.id}")
    for track in TRACKS
    for activity in track.activities()
    if activity.kind is ActivityKind.SCENARIO
]


@pytest.fixture(autouse=True)
def _needs_sandbox(request):
    if "lab_folder" in request.fixturenames and shutil.which("bwrap") is None:
        if os.environ.get("CI") == "true":
            pytest.fail("bubblewrap is missing: the README's test command installs it")
        pytest.skip("bubblewrap is not installed (the README's test command installs it)")


@pytest.mark.parametrize("lab_folder", LABS)
def test_reference_scores_full_marks_and_wrong_solutions_lose_marks(lab_folder: Path):
    lab = LabSpec.load(lab_folder).instance(seed=0)  # a fixed lab is its own instance
    reference = grade_submission(lab, lab_folder / "reference")
    assert reference.score == 1.0, reference.message or [
        (t.name, t.status, t.output) for t in reference.tests
    ]
    wrong = sorted(p for p in (lab_folder / "wrong").iterdir() if p.is_dir())
    assert len(wrong) >= 2, "each lab needs at least two wrong solutions in wrong/<name>/"
    for folder in wrong:
        result = grade_submission(lab, folder)
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
