"""Branching scenarios: the graph is validated; the player is back-button safe."""

from __future__ import annotations

from typing import Any

import pytest

from assessments import scenarios
from assessments.model import AnswerError, ResultStatus, Track
from assessments.scenarios import ScenarioError
from assessments.spec import Spec


def node(node_id: str, *choices: tuple[str, float, str], debrief: str = "") -> dict[str, Any]:
    data: dict[str, Any] = {"id": node_id, "situation": f"At {node_id}"}
    if choices:
        data["choices"] = [{"id": c, "text": c, "score": s, "next": n} for c, s, n in choices]
    else:
        data["debrief"] = debrief or f"End {node_id}"
    return data


def parse(**definition: Any) -> tuple[scenarios.Scenario | None, list[str]]:
    spec = Spec.of(definition)
    return scenarios.parse(spec), [p.message for p in spec.sink.problems]


GRAPH = {
    "start": "a",
    "expert_path": ["a", "b", "end"],
    "nodes": [
        node("a", ("go-b", 2, "b"), ("go-c", -1, "c")),
        node("b", ("finish", 3, "end"), ("detour", 0, "c")),
        node("c", ("finish", 1, "end")),
        node("end"),
    ],
}


def test_best_score_is_the_best_path() -> None:
    scenario, problems = parse(**GRAPH)
    assert problems == [] and scenario is not None
    assert scenario.max_score == 5


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            {"nodes": [*GRAPH["nodes"], node("island", ("x", 0, "end"))]},
            "'island' cannot be reached",
        ),
        (
            {"nodes": [node("a", ("go-b", 0, "b")), node("b", ("back", 0, "a")), node("end")]},
            "loop (a → b → a)",
        ),
        (
            {"nodes": [node("a", ("go-b", 0, "nowhere")), node("b", ("f", 0, "end")), node("end")]},
            "'nowhere' is not a node",
        ),
        ({"start": "zz"}, "start node 'zz' is not a node"),
        ({"expert_path": ["a", "end"]}, "goes from 'a' to 'end', but no choice does"),
        ({"expert_path": ["a", "b"]}, "must finish at an end node"),
        ({"nodes": [*GRAPH["nodes"][:3], {"id": "end"}]}, "needs choices, or a debrief"),
    ],
)
def test_graph_problems(change: dict[str, Any], message: str) -> None:
    scenario, problems = parse(**{**GRAPH, **change})
    assert scenario is None
    assert any(message in p for p in problems), problems


def test_play_to_the_end_and_compare_with_the_expert() -> None:
    scenario, _ = parse(**GRAPH)
    run = scenario.start()
    run = scenario.choose(run, "a", "go-c")
    run = scenario.choose(run, "c", "finish")
    outcome = scenario.result(run)
    assert outcome.path == ("a", "c", "end") and outcome.expert_path == ("a", "b", "end")
    assert not outcome.followed_expert
    assert (outcome.score, outcome.max_score, outcome.status) == (0, 5, ResultStatus.INCORRECT)
    assert outcome.debrief_html == "<p>End end</p>\n"


def test_the_same_choice_twice_is_idempotent_and_a_different_one_refused() -> None:
    scenario, _ = parse(**GRAPH)
    run = scenario.choose(scenario.start(), "a", "go-b")
    assert scenario.choose(run, "a", "go-b") is run  # a reload of the previous page
    with pytest.raises(ScenarioError, match="already made a choice here"):
        scenario.choose(run, "a", "go-c")
    with pytest.raises(ScenarioError, match="not part of your path"):
        scenario.choose(run, "c", "finish")
    with pytest.raises(AnswerError, match="not one of the choices"):
        scenario.choose(run, "b", "fly")
    with pytest.raises(ScenarioError, match="not finished"):
        scenario.result(run)
    done = scenario.choose(run, "b", "finish")
    assert scenario.result(done).followed_expert
    with pytest.raises(ScenarioError, match="ended"):
        scenario.choose(done, "end", "anything")


def test_sample_scenario_asks_for_a_justification_and_stays_pending(sample_track: Track) -> None:
    scenario = sample_track.activity("ethics-scenario").scenario
    run = scenario.start()
    with pytest.raises(AnswerError, match="Explain your choice"):
        scenario.choose(run, "request", "audit")
    run = scenario.choose(run, "request", "audit", "Screening can be unfair.")
    run = scenario.choose(run, "audit", "fix")
    outcome = scenario.result(run)
    assert outcome.followed_expert and outcome.score == outcome.max_score == 4
    assert outcome.status is ResultStatus.PENDING
    assert [s.justification for s in outcome.justifications] == ["Screening can be unfair."]
