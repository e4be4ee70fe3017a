"""Critical checks: an item, a scenario decision or ending, a lab test or a rubric criterion
that fails its activity whatever the total."""

from __future__ import annotations

import dataclasses
from enum import StrEnum
from typing import TYPE_CHECKING

from assessments.spec import Spec

if TYPE_CHECKING:
    from assessments.model import Activity


class CheckKind(StrEnum):
    """Where a critical check sits; failing any one fails its activity."""

    ITEM = "item"  #: a question not answered fully correctly
    DECISION = "decision"  #: a scenario choice other than the best one at that situation
    ENDING = "ending"  #: a scenario ending that must not be reached
    LAB_TEST = "lab_test"  #: a lab test not passed
    CRITERION = "criterion"  #: a rubric criterion marked below half its points


@dataclasses.dataclass(frozen=True, slots=True)
class CriticalCheck:
    kind: CheckKind
    id: str  #: the item, scenario node, lab test or rubric criterion
    reason: str  #: the author's one-line reason it is critical


def critical_checks(activity: Activity) -> tuple[CriticalCheck, ...]:
    """Every critical check of an activity, as the content declares them."""
    checks = [CriticalCheck(CheckKind.ITEM, i.id, i.critical) for i in activity.items if i.critical]
    if activity.scenario is not None:
        for node in activity.scenario.nodes.values():
            if node.critical:
                kind = CheckKind.ENDING if node.is_end else CheckKind.DECISION
                checks.append(CriticalCheck(kind, node.id, node.critical))
    if activity.lab is not None:
        checks += [CriticalCheck(CheckKind.LAB_TEST, n, r) for n, r in activity.lab.critical]
    if activity.rubric is not None:
        checks += [
            CriticalCheck(CheckKind.CRITERION, c.id, c.critical)
            for c in activity.rubric.criteria
            if c.critical
        ]
    return tuple(checks)


#: The longest reason a critical check may give: one line, read by graders and auditors.
MAX_CRITICAL_REASON = 200


def parse_critical(spec: Spec, key: str = "critical") -> str | None:
    """``critical: "<one-line reason>"``: the check must pass whatever the total.

    A bare ``critical: true`` is refused: a certification body must be able to say why
    failing this one check fails the whole activity.
    """
    value = spec.get(key, (str, bool), None)
    if value is None or value is False:
        return None
    reason = value.strip() if isinstance(value, str) else ""
    if not reason or "\n" in reason or len(reason) > MAX_CRITICAL_REASON:
        spec.error(
            f"'{key}' needs a one-line reason (at most {MAX_CRITICAL_REASON} characters), "
            f'like {key}: "sends personal data to a third party"',
            key,
        )
        return None
    return reason
