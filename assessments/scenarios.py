"""Branching scenarios: situations, choices with consequences and scores, a debrief.

A scenario is a directed acyclic graph: from the start node every choice leads to another
node until an end node, which carries the debrief. Forbidding cycles is the simplest rule
that guarantees every path ends, and it lets the best possible score be computed once.
The author names an expert path; the debrief shows the learner's path against it.

The player is value-based and back-button safe: a ``ScenarioRun`` is immutable, and
submitting the same choice twice (a reload, a double click) returns the same run, while a
different choice at a node already passed is refused with a message.
"""

from __future__ import annotations

import dataclasses
import functools
import itertools
from collections.abc import Mapping

from assessments import rubrics
from assessments.items.base import text_answer
from assessments.markdown import render, render_inline
from assessments.model import AnswerError, AnswerProblemKind, AssessmentError, ResultStatus
from assessments.policy import parse_critical
from assessments.spec import Spec, unique

MAX_JUSTIFICATION = 5_000


class ScenarioError(AssessmentError):
    """This choice does not fit where you are in the scenario."""


@dataclasses.dataclass(frozen=True, slots=True)
class Choice:
    id: str
    html: str
    consequence_html: str
    score: float
    next: str


@dataclasses.dataclass(frozen=True, slots=True)
class Justification:
    """A free-text "why" the author asks for at a node, graded later by rubric."""

    prompt_html: str
    rubric: rubrics.Rubric


@dataclasses.dataclass(frozen=True, slots=True)
class Node:
    id: str
    situation_html: str
    choices: tuple[Choice, ...] = ()
    justification: Justification | None = None
    debrief_html: str = ""
    #: Why this situation is critical: at a decision, any choice but the best one fails the
    #: activity; at an ending, reaching it does. None: not critical.
    critical: str | None = None

    @property
    def best_score(self) -> float:
        return max(choice.score for choice in self.choices)

    @property
    def is_end(self) -> bool:
        return not self.choices

    def choice(self, choice_id: str) -> Choice | None:
        return next((c for c in self.choices if c.id == choice_id), None)


@dataclasses.dataclass(frozen=True, slots=True)
class Step:
    node: str
    choice: str
    justification: str | None = None


@dataclasses.dataclass(frozen=True, slots=True)
class ScenarioRun:
    """Where a learner is: the steps taken so far and the node they stand on."""

    at: str
    steps: tuple[Step, ...] = ()


@dataclasses.dataclass(frozen=True, slots=True)
class ScenarioResult:
    path: tuple[str, ...]  #: node ids visited, start to end
    expert_path: tuple[str, ...]
    score: float  #: sum of the choices' scores, never below zero
    max_score: float  #: the best score any path can reach
    status: ResultStatus  #: pending while justifications await a rubric score
    consequences_html: tuple[str, ...]
    debrief_html: str
    justifications: tuple[Step, ...]  #: the steps with a justification to grade
    #: Critical situations failed on this path: a decision not taken at its best, an ending.
    critical_failed: tuple[str, ...] = ()

    @property
    def followed_expert(self) -> bool:
        return self.path == self.expert_path


@dataclasses.dataclass(frozen=True, slots=True)
class Scenario:
    start_node: str
    nodes: Mapping[str, Node]
    expert_path: tuple[str, ...]
    max_score: float  #: the best total any path can reach

    def start(self) -> ScenarioRun:
        return ScenarioRun(self.start_node)

    def choose(
        self, run: ScenarioRun, node_id: str, choice_id: str, justification: object = None
    ) -> ScenarioRun:
        """Take ``choice_id`` at ``node_id``; the same submission twice is answered once."""
        for step in run.steps:
            if step.node == node_id:
                if step.choice == choice_id:
                    return run
                raise ScenarioError(
                    "You already made a choice here, and the scenario has moved on. "
                    "Continue from the current situation."
                )
        if node_id != run.at:
            raise ScenarioError("This situation is not part of your path. Reload the page.")
        node = self.nodes[run.at]
        if node.is_end:
            raise ScenarioError("This scenario has ended; see the debrief.")
        choice = node.choice(choice_id)
        if choice is None:
            raise AnswerError(AnswerProblemKind.UNKNOWN_SCENARIO_CHOICE, value=repr(choice_id))
        text = None
        if node.justification is not None:
            text = text_answer(
                justification if justification is not None else "", MAX_JUSTIFICATION
            )
            if not text.strip():
                raise AnswerError(AnswerProblemKind.NO_JUSTIFICATION)
        return ScenarioRun(choice.next, (*run.steps, Step(node_id, choice_id, text)))

    def finished(self, run: ScenarioRun) -> bool:
        return self.nodes[run.at].is_end

    def result(self, run: ScenarioRun) -> ScenarioResult:
        if not self.finished(run):
            raise ScenarioError("This scenario is not finished yet.")
        chosen = [self.nodes[s.node].choice(s.choice) for s in run.steps]
        total = max(0.0, sum(c.score for c in chosen if c is not None))
        pending = tuple(s for s in run.steps if s.justification is not None)
        status = ResultStatus.PENDING if pending else ResultStatus.of(total, self.max_score)
        failed = [
            s.node
            for s, c in zip(run.steps, chosen, strict=True)
            if self.nodes[s.node].critical
            and c is not None
            and c.score < self.nodes[s.node].best_score
        ]
        if self.nodes[run.at].critical:
            failed.append(run.at)
        return ScenarioResult(
            path=(*(s.node for s in run.steps), run.at),
            expert_path=self.expert_path,
            score=total,
            max_score=self.max_score,
            status=status,
            consequences_html=tuple(c.consequence_html for c in chosen if c is not None),
            debrief_html=self.nodes[run.at].debrief_html,
            justifications=pending,
            critical_failed=tuple(failed),
        )


# -- reading and validating --------------------------------------------------------------


def parse(spec: Spec) -> Scenario | None:
    """Read ``{start, expert_path, nodes: [...]}`` and check the graph."""
    start = spec.ident("start")
    expert = spec.ids("expert_path")
    node_specs = spec.children("nodes")
    nodes = {}
    where: dict[str | tuple[str, str], Spec] = {}  # node id, (node id, choice id) → its spec
    for child in node_specs:
        node = _parse_node(child, where)
        if node is not None:
            nodes[node.id] = node
    unique(((child, child.data.get("id")) for child in node_specs), "node")
    spec.done()
    if not spec.ok or start is None:  # start is None only beside a recorded problem
        return None
    _check_graph(spec, start, nodes, where)
    _check_expert(spec, start, expert, nodes)
    if not spec.ok:
        return None
    return Scenario(start, nodes, expert, _best_score(start, nodes))


def _parse_node(spec: Spec, where: dict[str | tuple[str, str], Spec]) -> Node | None:
    node_id, situation = spec.ident(), spec.text("situation", "")
    where[node_id or ""] = spec
    choices = [
        choice
        for child in spec.children("choices", required=False)
        if (choice := _parse_choice(child, node_id, where)) is not None
    ]
    justification = _parse_justification(spec)
    debrief = spec.text("debrief", "")
    critical = parse_critical(spec)
    spec.done()
    _check_node_shape(spec, choices, justification, debrief, critical)
    if node_id is None or not spec.ok:
        return None
    return Node(
        node_id, render(situation), tuple(choices), justification, render(debrief), critical
    )


def _parse_choice(
    spec: Spec, node_id: str | None, where: dict[str | tuple[str, str], Spec]
) -> Choice | None:
    choice_id, text = spec.ident(), spec.text("text")
    consequence = spec.text("consequence", "")
    score, target = spec.number("score", 0.0), spec.ident("next")
    spec.done()
    where[node_id or "", choice_id or ""] = spec
    if choice_id is None or text is None or score is None or target is None:
        return None
    return Choice(choice_id, render_inline(text), render(consequence), score, target)


def _parse_justification(spec: Spec) -> Justification | None:
    """``justification: {prompt, rubric}``: the learner explains a choice, marked later."""
    if (why := spec.child("justification", None)) is None:
        return None
    prompt, rubric_spec = why.text("prompt"), why.child("rubric")
    rubric = rubrics.parse(rubric_spec) if rubric_spec is not None else None
    why.done()
    if prompt is None or rubric is None:
        return None
    return Justification(render(prompt), rubric)


def _check_node_shape(
    spec: Spec,
    choices: list[Choice],
    justification: Justification | None,
    debrief: str | None,
    critical: str | None,
) -> None:
    """A node either offers choices or ends the scenario with a debrief."""
    if critical and choices and len({c.score for c in choices}) == 1:
        spec.error("a critical decision needs a best choice: its choices all score the same")
    if choices and debrief:
        spec.error("a node has either choices or a debrief (an end node), not both")
    elif not choices and not debrief:
        spec.error("a node needs choices, or a debrief if it ends the scenario")
    if justification is not None and not choices:
        spec.error("an end node cannot ask for a justification", "justification")


def _check_graph(
    spec: Spec,
    start: str,
    nodes: Mapping[str, Node],
    where: Mapping[str | tuple[str, str], Spec],
) -> None:
    """Every choice leads to a node, every node is reachable, and nothing loops."""
    for node in nodes.values():
        for choice in node.choices:
            if choice.next not in nodes:
                where[node.id, choice.id].error(f"{choice.next!r} is not a node", "next")
    if start not in nodes:
        spec.error(f"start node {start!r} is not a node", "start")
    if not spec.ok:
        return
    # Depth-first search from the start: finds the reachable nodes and the first loop.
    on_path: list[str] = []
    seen: set[str] = set()
    loops: list[tuple[str, str, list[str]]] = []  # (node, choice closing it, the loop)

    def visit(node_id: str) -> None:
        seen.add(node_id)
        on_path.append(node_id)
        for choice in nodes[node_id].choices:
            if choice.next in on_path:
                loop = [*on_path[on_path.index(choice.next) :], choice.next]
                loops.append((node_id, choice.id, loop))
            elif choice.next not in seen:
                visit(choice.next)
        on_path.pop()

    visit(start)
    for node_id, choice_id, loop in loops[:1]:
        where[node_id, choice_id].error(
            f"choices form a loop ({' → '.join(loop)}); a scenario must always move on", "next"
        )
    for node_id in nodes.keys() - seen:
        where[node_id].error(f"node {node_id!r} cannot be reached from the start", "id")


def _check_expert(
    spec: Spec, start: str, expert: tuple[str, ...], nodes: Mapping[str, Node]
) -> None:
    """The expert path runs from the start, along choices, to an end node."""
    if expert[0] != start:
        spec.error(f"the expert path must begin at the start node {start!r}", "expert_path")
    for here, there in itertools.pairwise(expert):
        if here not in nodes or not any(c.next == there for c in nodes[here].choices):
            spec.error(
                f"the expert path goes from {here!r} to {there!r}, but no choice does",
                "expert_path",
            )
    last = nodes.get(expert[-1])
    if last is None or not last.is_end:
        spec.error(f"the expert path must finish at an end node, not {expert[-1]!r}", "expert_path")


def _best_score(start: str, nodes: Mapping[str, Node]) -> float:
    """The highest total any path can reach (the graph is acyclic, so memoise per node)."""

    @functools.cache
    def best(node_id: str) -> float:
        return max((c.score + best(c.next) for c in nodes[node_id].choices), default=0.0)

    return best(start)
