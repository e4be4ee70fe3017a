"""track.yaml: the track's framework, its modules, and the rules for completing it."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

from assessments import policy
from assessments.loader.claims import read_claims
from assessments.loader.modules import read_module
from assessments.loader.reader import TrackReader
from assessments.model import Competency, Module, Track
from assessments.spec import Spec


def read_track(
    reader: TrackReader,
    spec: Spec,
    base: Track | None,
    *,
    track_id: str | None,
    extends: str | None,
) -> Track | None:
    """The track in ``spec`` (its header, ``track_id`` and ``extends``, already read), on top
    of ``base``, the track it extends; None if anything in it has a problem."""
    version = spec.version()
    title, summary = spec.text("title"), spec.text("summary")
    audience = spec.text("audience")
    competencies = _read_competencies(reader, spec, base)
    modules, declared = _read_modules(reader, spec, base, track_id)
    completion = _read_completion(reader, spec, declared, modules)
    renewal_spec = spec.child("renewal", None)
    renewal = policy.parse_renewal(renewal_spec, declared) if renewal_spec is not None else None
    credential_spec = spec.child("credential", None)
    validity = (
        policy.DEFAULT_VALIDITY_MONTHS
        if credential_spec is None
        else policy.parse_credential(credential_spec)
    )
    spec.done()
    claims = read_claims(reader)
    if (
        not spec.ok
        or track_id is None
        or version is None
        or title is None
        or summary is None
        or audience is None
        or completion is None
        or validity is None
    ):
        return None
    return Track(
        id=track_id,
        version=version,
        title=title,
        summary=summary.strip(),
        audience=audience,
        competencies=tuple(competencies),
        modules=tuple(modules),
        completion=completion,
        extends=extends,
        renewal=renewal,
        credential_validity_months=validity,
        claims=claims,
    )


def _read_competencies(reader: TrackReader, spec: Spec, base: Track | None) -> list[Competency]:
    """The inherited framework plus this track's ``competencies``; the reader learns the ids."""
    competencies = list(base.competencies) if base else []
    reader.competencies = {c.id for c in competencies}
    for child in spec.children("competencies", required=False):
        competency_id, title = child.ident(), child.text("title")
        description = child.text("description", "")
        child.done()
        if competency_id in reader.competencies:
            child.error(f"competency id {competency_id!r} is used twice", "id")
        elif competency_id is not None and title is not None:
            reader.competencies.add(competency_id)
            competencies.append(Competency(competency_id, title, (description or "").strip()))
    return competencies


def _read_modules(
    reader: TrackReader, spec: Spec, base: Track | None, track_id: str | None
) -> tuple[list[Module], set[str]]:
    """The inherited modules plus those ``modules`` lists, and the ids of all of them
    (declared, whether they loaded or not)."""
    modules = list(base.modules) if base else []
    _claim_inherited(reader, modules)
    declared = {m.id for m in modules}
    for module_id, line in _module_entries(spec):
        declared.add(module_id)
        read = read_module(reader, track_id, module_id, spec, line)
        if read is not None:
            modules.append(read)
    return modules, declared


def _claim_inherited(reader: TrackReader, modules: list[Module]) -> None:
    """Inherited ids are taken: this track may not define them again."""
    for module in modules:
        where = f"track {module.track_id!r}"
        reader.claimed[("module", module.id)] = where
        for activity in module.activities:
            reader.claimed[("activity", activity.id)] = where
            for item in activity.items:
                reader.claimed[("item", item.id)] = where


def _module_entries(spec: Spec) -> list[tuple[str, int | None]]:
    entries = []
    for value, line in spec.entries("modules", required=False):
        if isinstance(value, str) and value and "/" not in value and not value.startswith("."):
            entries.append((value, line))
        else:
            spec.sink.add(line, f"'modules' entries are module folder names, found {value!r}")
    return entries


def _read_completion(
    reader: TrackReader, spec: Spec, declared: set[str], modules: list[Module]
) -> policy.CompletionRules | None:
    completion_spec = spec.child("completion", {})
    if completion_spec is None:
        return None
    # Ids in a file that could not be parsed are unknown: do not guess about them.
    activities = {key for what, key in reader.claimed if what == "activity"}
    known = None if reader.unreadable else activities
    completion = policy.parse_completion(completion_spec, declared, known)
    if completion is None:
        return None
    by_id = {m.id: m for m in modules}
    rules = tuple(
        policy.with_each_minimum(rule, by_id[rule.module].activities)
        if rule.module in by_id
        else rule
        for rule in completion.modules
    )
    completion = dataclasses.replace(completion, modules=rules)
    _check_counted_work(completion_spec, completion, by_id)
    return completion


def _check_counted_work(
    spec: Spec, completion: policy.CompletionRules, modules: Mapping[str, Module]
) -> None:
    """A required module needs summative work to judge, and the capstone must be summative:
    practice never counts toward certification."""
    for rule in completion.modules:
        module = modules.get(rule.module)
        if module is not None and not any(
            policy.counts_toward_completion(a) for a in module.activities
        ):
            spec.error(
                f"module {rule.module!r} is required but has no summative activity to judge it by",
                "modules",
            )
    capstone = completion.capstone
    activities = {a.id: a for m in modules.values() for a in m.activities}
    work = activities.get(capstone.activity) if capstone is not None else None
    if work is not None and not work.attempt_policy.is_summative:
        spec.error(f"capstone {work.id!r} must be summative work", "capstone")
