"""Trace review ("spot the injection"): an agent's multi-turn trace with its tool outputs.

The learner marks the segments that carry injected instructions, the control that failed,
and the identifiers that name the threat (OWASP, MITRE ATLAS). Reading a real trace and
naming what went wrong is the skill; recognising a definition is not, so the segments are
the author's own split of the trace and the learner judges each one.

Scoring: the segments are worth half the points, the control a quarter and the
identifiers a quarter. Segments and identifiers score "right minus wrong" (as a
multiple-choice item's ``per_option``), so marking everything earns nothing.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from enum import StrEnum

from assessments.items.base import Feedback, ItemResult, Option, choice_ids, parse_options, result
from assessments.markdown import render
from assessments.model import AnswerError, AnswerProblemKind
from assessments.spec import Spec, unique

#: The share of the points each part of the answer carries.
SEGMENTS_SHARE, CONTROL_SHARE, IDENTIFIERS_SHARE = 0.5, 0.25, 0.25


class Role(StrEnum):
    SYSTEM = "system"
    USER = "user"
    ASSISTANT = "assistant"
    TOOL = "tool"


@dataclasses.dataclass(frozen=True, slots=True)
class Segment:
    id: str
    html: str
    injected: bool
    rationale_html: str


@dataclasses.dataclass(frozen=True, slots=True)
class Turn:
    role: Role
    name: str  #: the tool's name for a tool turn, else empty
    segments: tuple[Segment, ...]


@dataclasses.dataclass(frozen=True, slots=True)
class TraceReview:
    points: float
    turns: tuple[Turn, ...]
    controls: tuple[Option, ...]
    control: str  #: the control that failed
    identifiers: tuple[Option, ...]
    correct_identifiers: frozenset[str]

    @property
    def segments(self) -> dict[str, Segment]:
        return {s.id: s for turn in self.turns for s in turn.segments}

    def score(self, answer: object) -> ItemResult:
        if not isinstance(answer, Mapping) or not set(answer) <= {
            "segments",
            "control",
            "identifiers",
        }:
            raise AnswerError(AnswerProblemKind.NOT_A_REVIEW)
        segments = self.segments
        marked = choice_ids(answer.get("segments", []), segments)
        named = choice_ids(answer.get("identifiers", []), {o.id: o for o in self.identifiers})
        control = answer.get("control")
        if control is not None and control not in {o.id for o in self.controls}:
            raise AnswerError(AnswerProblemKind.UNKNOWN_OPTION, value=repr(str(control)[:40]))
        injected = [s for s in segments.values() if s.injected]
        feedback = [
            Feedback(f"segment:{s.id}", s.injected, s.rationale_html)
            for s in segments.values()
            if (s.id in marked) != s.injected and s.rationale_html
        ]
        feedback += [
            Feedback(f"control:{o.id}", o.id == self.control, o.rationale_html)
            for o in self.controls
            if o.id in (control, self.control)
        ]
        feedback += [
            Feedback(f"identifier:{o.id}", o.id in self.correct_identifiers, o.rationale_html)
            for o in self.identifiers
            if o.id in named or o.id in self.correct_identifiers
        ]
        fraction = (
            SEGMENTS_SHARE * _right_minus_wrong(marked, {s.id for s in injected})
            + CONTROL_SHARE * (control == self.control)
            + IDENTIFIERS_SHARE * _right_minus_wrong(named, self.correct_identifiers)
        )
        return result(self.points, fraction, tuple(feedback))


def _right_minus_wrong(chosen: list[str], correct: frozenset[str] | set[str]) -> float:
    hits = sum(1 for one in chosen if one in correct)
    return max(0.0, (hits - (len(chosen) - hits)) / len(correct))


def parse(spec: Spec, points: float) -> TraceReview | None:
    """``trace: [{role, name?, segments: [{id, text, injected?, rationale?}]}]``,
    ``controls: [{id, text, correct?, rationale}]`` (one correct) and
    ``identifiers: [{id, text, correct?, rationale}]`` (one or more correct)."""
    turns, segment_specs = [], []
    for child in spec.children("trace"):
        turn, specs = _turn(child)
        segment_specs += specs
        if turn is not None:
            turns.append(turn)
    unique(((s, s.data.get("id")) for s in segment_specs), "segment")
    controls = parse_options(spec, "controls", _correct, explained=True)
    identifiers = parse_options(spec, "identifiers", _correct, explained=True)
    spec.done()
    failed = [o.id for o, right in controls if right]
    named = frozenset(o.id for o, right in identifiers if right)
    if not any(s.injected for turn in turns for s in turn.segments):
        spec.error("a trace review needs at least one segment marked 'injected: true'", "trace")
    if len(failed) != 1:
        spec.error(f"'controls' needs exactly one correct option, found {len(failed)}", "controls")
    if not named:
        spec.error("'identifiers' needs at least one correct option", "identifiers")
    if not spec.ok:
        return None
    return TraceReview(
        points,
        tuple(turns),
        tuple(o for o, _ in controls),
        failed[0],
        tuple(o for o, _ in identifiers),
        named,
    )


def _correct(spec: Spec) -> bool:
    correct: bool = spec.get("correct", bool, False)
    return correct


def _turn(spec: Spec) -> tuple[Turn | None, list[Spec]]:
    """One turn of the trace, and its segments' specs (their ids are unique per item)."""
    role = spec.choice("role", Role)
    name = spec.text("name", "")
    segments = []
    children = spec.children("segments")
    for child in children:
        segment_id, text = child.ident(), child.text("text")
        injected = child.get("injected", bool, False)
        rationale = child.text("rationale", "")
        child.done()
        if segment_id is not None and text is not None:
            segments.append(Segment(segment_id, render(text), injected, render(rationale)))
    spec.done()
    if role is Role.TOOL and not name:
        spec.error("a tool turn needs the tool's 'name'", "role")
    turn = Turn(role, name or "", tuple(segments)) if role is not None and spec.ok else None
    return turn, children
