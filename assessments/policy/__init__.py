"""Policies: attempts, time limits, accommodations, item pools, availability, completion.

Everything here is a pure function of content, the learner's records and the time, so the
web layer can answer "may this learner start?", "which questions do they see?" and "have
they completed the track, and if not, why not?" without any state of its own.

One module per job: ``attempts`` (attempt policies), ``pools`` (item drawing),
``critical`` (critical checks), ``completion_rules`` (what completion requires),
``completion_check`` (whether a learner has completed) and ``renewal``.
"""

from assessments.policy.attempts import (
    DEFAULT_POLICY,
    NO_ACCOMMODATION,
    PRACTICE_POLICY,
    SUMMATIVE_ATTEMPTS,
    SUMMATIVE_COOLDOWN,
    Accommodation,
    AttemptPolicy,
    CountingRule,
    Decision,
    FeedbackPolicy,
    Purpose,
    Refusal,
    RefusalKind,
    parse_policy,
)
from assessments.policy.completion_check import (
    CompletionStatus,
    Unmet,
    UnmetKind,
    completion,
)
from assessments.policy.completion_rules import (
    EACH,
    REQUIREMENT_POINTS,
    ActivityMinimum,
    CapstoneRequirement,
    CompletionRules,
    MandatoryBecause,
    ModuleRequirement,
    completion_points,
    counts_toward_completion,
    parse_completion,
    practical_share,
    with_each_minimum,
)
from assessments.policy.critical import (
    MAX_CRITICAL_REASON,
    CheckKind,
    CriticalCheck,
    critical_checks,
    parse_critical,
)
from assessments.policy.pools import (
    ItemPool,
    draw_items,
    seeded_order,
)
from assessments.policy.renewal import (
    DEFAULT_VALIDITY_MONTHS,
    RenewalModule,
    RenewalRules,
    parse_credential,
    parse_renewal,
)

__all__ = [
    "DEFAULT_POLICY",
    "DEFAULT_VALIDITY_MONTHS",
    "EACH",
    "MAX_CRITICAL_REASON",
    "NO_ACCOMMODATION",
    "PRACTICE_POLICY",
    "REQUIREMENT_POINTS",
    "SUMMATIVE_ATTEMPTS",
    "SUMMATIVE_COOLDOWN",
    "Accommodation",
    "ActivityMinimum",
    "AttemptPolicy",
    "CapstoneRequirement",
    "CheckKind",
    "CompletionRules",
    "CompletionStatus",
    "CountingRule",
    "CriticalCheck",
    "Decision",
    "FeedbackPolicy",
    "ItemPool",
    "MandatoryBecause",
    "ModuleRequirement",
    "Purpose",
    "Refusal",
    "RefusalKind",
    "RenewalModule",
    "RenewalRules",
    "Unmet",
    "UnmetKind",
    "completion",
    "completion_points",
    "counts_toward_completion",
    "critical_checks",
    "draw_items",
    "parse_completion",
    "parse_credential",
    "parse_critical",
    "parse_policy",
    "parse_renewal",
    "practical_share",
    "seeded_order",
    "with_each_minimum",
]
