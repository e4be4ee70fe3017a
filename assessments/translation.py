"""An activity in another language: its learner-visible texts replaced, nothing else.

A module's ``translations`` (docs/authoring.md, "Translations") name texts by the ids the
original already has — an item, its options, a scenario's nodes and choices, a rubric's
criteria and levels. This module reads one activity's translation and builds the translated
activity once, at load time, so that every page in that language gets it from
``Module.translated`` and nowhere else decides which text a learner sees.

A translation can never change a grade: ids, points, keys, scores, order, critical flags
and the graph stay the original's; only text is swapped, and an item's precomputed results
are rebuilt from the translated texts so that the feedback a learner reads matches the page.
Each text is rendered and sanitised exactly as the original text in that place is
(``render`` for blocks, ``render_inline`` for options and short feedback, plain text for
titles, which templates escape). A text the translation leaves out stays as written, in
``<span lang="en">`` (``<div>`` around blocks) so that a page in the translation's language
marks it as English (WCAG 3.1.2); plain-text titles cannot carry it, so translate those.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Protocol, TypeVar

from assessments import rubrics, scenarios
from assessments.items.base import ItemResult, Option
from assessments.items.free_response import FreeResponse
from assessments.items.matching import Matching
from assessments.items.multiple_choice import MultipleChoice
from assessments.items.numeric import Numeric
from assessments.items.ordering import Ordering
from assessments.items.short_text import ShortText, normalise
from assessments.items.single_choice import SingleChoice
from assessments.items.trace_review import Segment, TraceReview
from assessments.markdown import SafeHtml, render, render_inline
from assessments.model import CONTENT_LANGUAGE, Activity, Item
from assessments.spec import Spec

#: ``markdown(spec, key)``: ``key`` (Markdown) or ``key_file`` (a .md file beside the
#: module), rendered and sanitised; ``""`` when neither is given (the loader provides it).
Markdown = Callable[[Spec, str], str]


class _HasId(Protocol):
    @property
    def id(self) -> str: ...


T = TypeVar("T", bound=_HasId)


def translate_activity(
    activity: Activity, language: str, spec: Spec, markdown: Markdown
) -> Activity:
    """``{title?, body? or body_file?, items?, scenario?, rubric?}``: ``activity`` in
    ``language`` with the texts ``spec`` gives; problems (an id the activity does not have,
    an unknown key) are recorded on ``spec`` with their lines."""
    title = spec.text("title", "") or ""
    body = markdown(spec, "body")
    fields: dict[str, Any] = {
        "language": language,
        "title": title or activity.title,
        "body_html": body or _kept(activity.body_html, block=True),
    }
    where = f"activity {activity.id!r}"
    if activity.kind.has_items:
        fields["items"] = _by_id(
            spec, "items", activity.items, "item", where, lambda i, s: _item(i, s, markdown)
        )
    if activity.scenario is not None:
        fields["scenario"] = _scenario(activity.scenario, _part(spec, "scenario"), where)
    if activity.rubric is not None:
        fields["rubric"] = _rubric(activity.rubric, _part(spec, "rubric"), where)
    spec.done()
    return dataclasses.replace(activity, **fields)


# -- shared pieces -----------------------------------------------------------------------


def _kept(html: str, *, block: bool = False) -> str:
    """An original text the translation leaves as written, marked as the original's
    language; the markup is ours, added after sanitising, around sanitised HTML."""
    if not html:
        return html
    tag = "div" if block else "span"
    return SafeHtml(f'<{tag} lang="{CONTENT_LANGUAGE}">{html}</{tag}>')


def _part(spec: Spec, key: str) -> Spec:
    """``key``'s translation, or an empty one: each text of an untranslated part is kept."""
    return spec.child(key, None) or _nothing(spec)


def _nothing(spec: Spec) -> Spec:
    """A translation that gives no text, for a part the author did not translate."""
    return Spec({}, spec.sink, spec.line)


def _by_id(
    spec: Spec,
    key: str,
    things: Sequence[T],
    what: str,
    where: str,
    translate: Callable[[T, Spec], T],
) -> tuple[T, ...]:
    """``key: {<id>: {...}}``: each thing named by id translated, the others as they are,
    in the original order. An id ``things`` does not have is refused where it is written.
    The things it does not name are translated from nothing, which keeps and marks their
    texts."""
    block = _part(spec, key)
    known = {thing.id: thing for thing in things}
    translated: dict[str, T] = {}
    for thing_id in block.data:
        entry = block.child(thing_id)
        if str(thing_id) not in known:
            block.error(f"translation of {what} {thing_id!r}: {where} has no such {what}", thing_id)
        elif entry is not None:
            translated[str(thing_id)] = translate(known[str(thing_id)], entry)
    return tuple(
        translated[thing.id] if thing.id in translated else translate(thing, _nothing(block))
        for thing in things
    )


def _option(option: Option, spec: Spec) -> Option:
    """``{text?, rationale?}`` of a choice, as inline Markdown like the original."""
    text, rationale = spec.text("text", ""), spec.text("rationale", "")
    spec.done()
    return dataclasses.replace(
        option,
        html=render_inline(text) if text else _kept(option.html),
        rationale_html=render_inline(rationale) if rationale else _kept(option.rationale_html),
    )


def _inline(spec: Spec, key: str, original: str) -> str:
    text = spec.text(key, "")
    return render_inline(text) if text else _kept(original)


def _block(spec: Spec, key: str, original: str) -> str:
    text = spec.text(key, "")
    return render(text) if text else _kept(original, block=True)


def _saying(result: ItemResult, message: str) -> ItemResult:
    """``result`` with its feedback worded ``message``; the score and status stay."""
    feedback = tuple(dataclasses.replace(f, message=message) for f in result.feedback)
    return dataclasses.replace(result, feedback=feedback)


def _reworded(result: ItemResult, text: str) -> ItemResult:
    """``result`` with its feedback in ``text`` (inline Markdown), or kept when empty."""
    if text:
        return _saying(result, render_inline(text))
    kept = tuple(dataclasses.replace(f, message=_kept(f.message)) for f in result.feedback)
    return dataclasses.replace(result, feedback=kept)


# -- items -------------------------------------------------------------------------------


def _item(item: Item, spec: Spec, markdown: Markdown) -> Item:
    """``{stem? or stem_file?, <the item type's texts>}``."""
    stem = markdown(spec, "stem")
    definition = _DEFINITIONS[type(item.definition)](item.definition, spec, f"item {item.id!r}")
    spec.done()
    return dataclasses.replace(
        item, stem_html=stem or _kept(item.stem_html, block=True), definition=definition
    )


def _single_choice(d: SingleChoice, spec: Spec, where: str) -> SingleChoice:
    options = _by_id(spec, "options", d.options, "option", where, _option)
    results = {o.id: _saying(d._results[o.id], o.rationale_html) for o in options}
    return dataclasses.replace(d, options=options, _results=results)


def _multiple_choice(d: MultipleChoice, spec: Spec, where: str) -> MultipleChoice:
    options = _by_id(spec, "options", d.options, "option", where, _option)
    feedback = {
        o.id: dataclasses.replace(d._feedback[o.id], message=o.rationale_html) for o in options
    }
    return dataclasses.replace(d, options=options, _feedback=feedback)


def _numeric(d: Numeric, spec: Spec, where: str) -> Numeric:
    right = _reworded(d._right, spec.text("feedback_correct", "") or "")
    wrong = _reworded(d._wrong, spec.text("feedback_incorrect", "") or "")
    return dataclasses.replace(d, _right=right, _wrong=wrong)


def _short_text(d: ShortText, spec: Spec, where: str) -> ShortText:
    """``answers: {<value as written>: {feedback}}`` and ``feedback_incorrect``. The accepted
    answers themselves stay as written: they are the key."""
    exact = {said: _reworded(result, "") for said, result in d._exact.items()}
    patterns = [(pattern, _reworded(result, "")) for pattern, result in d._patterns]
    block = _part(spec, "answers")
    for value in block.data:
        entry = block.child(value)
        text = entry.text("feedback", "") if entry is not None else ""
        if entry is not None:
            entry.done()
        said = normalise(str(value), d.case_sensitive)
        at = next((i for i, (p, _) in enumerate(patterns) if p.pattern == str(value)), None)
        if said not in exact and at is None:
            block.error(f"translation of answer {value!r}: {where} has no such answer", value)
        elif text and said in exact:
            exact[said] = _reworded(d._exact[said], text)
        elif text and at is not None:
            patterns[at] = (patterns[at][0], _reworded(d._patterns[at][1], text))
    no_match = _reworded(d._no_match, spec.text("feedback_incorrect", "") or "")
    return dataclasses.replace(d, _exact=exact, _patterns=tuple(patterns), _no_match=no_match)


def _ordering(d: Ordering, spec: Spec, where: str) -> Ordering:
    return dataclasses.replace(
        d, entries=_by_id(spec, "entries", d.entries, "entry", where, _option)
    )


def _matching(d: Matching, spec: Spec, where: str) -> Matching:
    prompts = _by_id(spec, "prompts", d.prompts, "prompt", where, _option)
    responses = _by_id(spec, "responses", d.responses, "response", where, _option)
    rationale = {p.id: p.rationale_html for p in prompts}
    feedback = {
        (prompt, ok): dataclasses.replace(f, message=rationale[prompt])
        for (prompt, ok), f in d._feedback.items()
    }
    return dataclasses.replace(d, prompts=prompts, responses=responses, _feedback=feedback)


def _segment(segment: Segment, spec: Spec) -> Segment:
    """``{text?, rationale?}`` of a trace segment, as block Markdown like the original."""
    html = _block(spec, "text", segment.html)
    rationale = _block(spec, "rationale", segment.rationale_html)
    spec.done()
    return dataclasses.replace(segment, html=html, rationale_html=rationale)


def _trace_review(d: TraceReview, spec: Spec, where: str) -> TraceReview:
    """``segments: {<id>: {text?, rationale?}}`` (ids are unique across the trace's turns),
    ``controls`` and ``identifiers`` like options. Roles and tool names stay as written."""
    segments = {
        s.id: s
        for s in _by_id(spec, "segments", list(d.segments.values()), "segment", where, _segment)
    }
    turns = tuple(
        dataclasses.replace(turn, segments=tuple(segments[s.id] for s in turn.segments))
        for turn in d.turns
    )
    return dataclasses.replace(
        d,
        turns=turns,
        controls=_by_id(spec, "controls", d.controls, "control", where, _option),
        identifiers=_by_id(spec, "identifiers", d.identifiers, "identifier", where, _option),
    )


def _free_response(d: FreeResponse, spec: Spec, where: str) -> FreeResponse:
    rubric = spec.child("rubric", None)
    return d if rubric is None else dataclasses.replace(d, rubric=_rubric(d.rubric, rubric, where))


_DEFINITIONS: Mapping[type, Callable[[Any, Spec, str], Any]] = {
    SingleChoice: _single_choice,
    MultipleChoice: _multiple_choice,
    Numeric: _numeric,
    ShortText: _short_text,
    Ordering: _ordering,
    Matching: _matching,
    TraceReview: _trace_review,
    FreeResponse: _free_response,
}


# -- scenarios and rubrics ---------------------------------------------------------------


def _scenario(scenario: scenarios.Scenario, spec: Spec, where: str) -> scenarios.Scenario:
    """``{nodes: {<id>: {situation?, choices?: {<id>: {text?, consequence?}},
    justification?: {prompt?, rubric?}, debrief?}}}``; the graph and scores stay."""

    def node(original: scenarios.Node, entry: Spec) -> scenarios.Node:
        here = f"node {original.id!r}"

        def choice(c: scenarios.Choice, text: Spec) -> scenarios.Choice:
            html = _inline(text, "text", c.html)
            consequence = _block(text, "consequence", c.consequence_html)
            text.done()
            return dataclasses.replace(c, html=html, consequence_html=consequence)

        situation = _block(entry, "situation", original.situation_html)
        choices = _by_id(entry, "choices", original.choices, "choice", here, choice)
        justification = original.justification
        if (why := entry.child("justification", None)) is not None:
            if justification is None:
                entry.error(f"{here} asks for no justification to translate", "justification")
            else:
                prompt = _block(why, "prompt", justification.prompt_html)
                rubric = why.child("rubric", None)
                justification = dataclasses.replace(
                    justification,
                    prompt_html=prompt,
                    rubric=justification.rubric
                    if rubric is None
                    else _rubric(justification.rubric, rubric, here),
                )
                why.done()
        debrief = _block(entry, "debrief", original.debrief_html)
        entry.done()
        return dataclasses.replace(
            original,
            situation_html=situation,
            choices=choices,
            justification=justification,
            debrief_html=debrief,
        )

    nodes = _by_id(spec, "nodes", list(scenario.nodes.values()), "node", where, node)
    spec.done()
    return dataclasses.replace(scenario, nodes={n.id: n for n in nodes})


def _rubric(rubric: rubrics.Rubric, spec: Spec, where: str) -> rubrics.Rubric:
    """``{criteria: {<id>: {title?, levels?: {<id>: {title?, description?}}}}}``; points,
    critical flags and the graders' exemplars stay as written."""

    def criterion(original: rubrics.Criterion, entry: Spec) -> rubrics.Criterion:
        def level(lv: rubrics.Level, text: Spec) -> rubrics.Level:
            title = text.text("title", "") or lv.title
            description = _inline(text, "description", lv.description_html)
            text.done()
            return dataclasses.replace(lv, title=title, description_html=description)

        title = entry.text("title", "") or original.title
        here = f"criterion {original.id!r}"
        levels = _by_id(entry, "levels", original.levels, "level", here, level)
        entry.done()
        return dataclasses.replace(original, title=title, levels=levels)

    criteria = _by_id(
        spec, "criteria", rubric.criteria, "criterion", f"the rubric of {where}", criterion
    )
    spec.done()
    return dataclasses.replace(rubric, criteria=criteria)
