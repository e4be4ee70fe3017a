"""A scenario as the learner is told it: where they stand ("Step 2 of 3"), and at the end
their path beside the expert's as a numbered story — at each step what they chose, what an
expert would choose and what follows from it, with the points — and how it ended."""

from __future__ import annotations

import dataclasses

from assessments.scenarios import Choice, Scenario, ScenarioRun
from lti_tool.learning.answer_view import Graded, ScenarioPath


@dataclasses.dataclass(frozen=True)
class StepCount:
    number: int  #: the decision the learner faces now, 1 first
    total: int  #: decisions on the longest path through here
    exact: bool  #: every path from here is as long: "of M", not "of at most M"


def step_count(scenario: Scenario, run: ScenarioRun) -> StepCount:
    """Where the learner stands on an unfinished run.

    Branches differ in length, so no single M is true of every path. M counts the decisions
    taken plus the most that can still follow; when every way on takes that many, it is
    exact, otherwise the page says "of at most M". It may shrink as the learner goes down a
    shorter branch, but it never promises fewer steps than are left.
    """
    fewest, most = _decisions_left(scenario, run.at)
    taken = len(run.steps)
    return StepCount(taken + 1, taken + most, fewest == most)


def _decisions_left(scenario: Scenario, node_id: str) -> tuple[int, int]:
    """The fewest and most decisions from ``node_id`` to an ending (the graph is acyclic)."""
    known: dict[str, tuple[int, int]] = {}

    def visit(at: str) -> tuple[int, int]:
        if at not in known:
            node = scenario.nodes[at]
            spans = [visit(choice.next) for choice in node.choices]
            known[at] = (
                (1 + min(s[0] for s in spans), 1 + max(s[1] for s in spans)) if spans else (0, 0)
            )
        return known[at]

    return visit(node_id)


@dataclasses.dataclass(frozen=True)
class StoryStep:
    number: int
    situation_html: str
    chosen: Choice
    expert: Choice  #: what an expert chooses here (``chosen`` itself when they agree)
    best_score: float  #: the most a choice here earns
    justification: str | None  #: the learner's own words, when the step asked for them
    graded: Graded | None  #: the released rubric grade of the justification

    @property
    def agrees(self) -> bool:
        return self.chosen.id == self.expert.id


@dataclasses.dataclass(frozen=True)
class Story:
    steps: tuple[StoryStep, ...]
    ending_html: str  #: the debrief of the ending the learner reached
    #: the debrief of the expert's ending, when the learner reached another one
    expert_ending_html: str | None
    #: the number of the first step at which the learner chose otherwise than an expert
    left_expert_at: int | None


def story(scenario: Scenario, run: ScenarioRun, seen: ScenarioPath | None) -> Story:
    """The finished ``run`` told step by step; ``seen`` is the attempt as ``answer_view``
    reads it (the same stored steps, in the same order), for the rubric grades."""
    grades = [step.graded for step in seen.steps] if seen is not None else []
    steps = []
    for number, step in enumerate(run.steps, 1):
        node = scenario.nodes[step.node]
        # The run was replayed through this graph, so each step's choice is one of its node's.
        chosen = next(choice for choice in node.choices if choice.id == step.choice)
        steps.append(
            StoryStep(
                number,
                node.situation_html,
                chosen,
                expert_choice(scenario, step.node),
                node.best_score,
                step.justification,
                grades[number - 1] if number <= len(grades) else None,
            )
        )
    expert_end = scenario.expert_path[-1]
    return Story(
        tuple(steps),
        scenario.nodes[run.at].debrief_html,
        scenario.nodes[expert_end].debrief_html if run.at != expert_end else None,
        next((s.number for s in steps if not s.agrees), None),
    )


def expert_choice(scenario: Scenario, node_id: str) -> Choice:
    """The expert's choice at a decision: on the expert path, the one that leads along it;
    off it (the learner left the path earlier), the best-scoring one, which is what the
    author's scores say an expert does there. Ties go to the first listed."""
    node = scenario.nodes[node_id]
    path = scenario.expert_path
    if node_id in path and (at := path.index(node_id)) + 1 < len(path):
        along = [choice for choice in node.choices if choice.next == path[at + 1]]
        if along:
            return max(along, key=lambda choice: choice.score)
    return max(node.choices, key=lambda choice: choice.score)
