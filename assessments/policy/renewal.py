"""Renewing a credential (continuing-education credits) and how long it is valid."""

from __future__ import annotations

import dataclasses
from collections.abc import Set

from assessments.spec import Spec


@dataclasses.dataclass(frozen=True, slots=True)
class RenewalModule:
    module: str
    credits: float  #: continuing-education credits a learner earns by completing it


@dataclasses.dataclass(frozen=True, slots=True)
class RenewalRules:
    """A credential is renewed by earning ``credits_required`` from these modules."""

    modules: tuple[RenewalModule, ...]
    credits_required: float


#: How long a credential is valid when the track does not say (``credential.validity_months``).
DEFAULT_VALIDITY_MONTHS = 36


def parse_renewal(spec: Spec, module_ids: Set[str]) -> RenewalRules | None:
    """``{credits_required, modules: [{module, credits}]}``; modules are the track's own.

    The required credits must be reachable with the modules offered, or no one could renew.
    """
    required = _positive(spec, "credits_required")
    modules: list[RenewalModule] = []
    for child in spec.children("modules"):
        module, credits = child.ident("module"), _positive(child, "credits")
        child.done()
        if module is not None and module not in module_ids:
            child.error(f"module {module!r} is not one of the track's modules", "module")
        elif module is not None and any(m.module == module for m in modules):
            child.error(f"module {module!r} is listed twice", "module")
        elif module is not None and credits is not None:
            modules.append(RenewalModule(module, credits))
    spec.done()
    offered = sum(m.credits for m in modules)
    if spec.ok and required is not None and required > offered:
        spec.error(
            f"renewal needs {required:g} credits but its modules offer only {offered:g}",
            "credits_required",
        )
    if not spec.ok or required is None:
        return None
    return RenewalRules(tuple(modules), required)


def parse_credential(spec: Spec) -> int | None:
    """``{validity_months}``: how long the credential a learner earns is valid (default 36)."""
    months = spec.integer("validity_months", DEFAULT_VALIDITY_MONTHS, minimum=1)
    spec.done()
    return months if spec.ok else None


def _positive(spec: Spec, key: str) -> float | None:
    value = spec.number(key)
    if value is not None and value <= 0:
        spec.error(f"'{key}' must be more than 0", key)
        return None
    return value
