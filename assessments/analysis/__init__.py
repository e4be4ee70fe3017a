"""Classical item analysis: difficulty, discrimination, distractors, reliability and SEM.

Input is a response matrix of ``n`` learners (rows) by ``k`` items (columns) holding item
scores, and each item's maximum score (``1`` for every item by default, i.e. dichotomous
0/1 scoring; give ``max_scores`` for polytomous items). For choice items the option each
learner chose can be added for a distractor analysis.

Formulas (``X`` is the ``n x k`` score matrix after the missing-response policy,
``x_j`` column ``j``, ``m_j`` its maximum, ``T = Σ_j x_j`` the total score and
``R_j = T - x_j`` the *rest score* of item ``j``):

* **Difficulty** (p-value): ``p_j = mean(x_j) / m_j``, the proportion of the available
  points earned; for 0/1 items, the proportion answering correctly. Higher means easier.
* **Discrimination** (corrected item-total correlation, a.k.a. item-rest correlation):
  ``r_j = cov(x_j, R_j) / (sd(x_j) · sd(R_j))``, the Pearson correlation of the item
  with the total of the *other* items, so the item does not correlate with itself. For a
  0/1 item this is the point-biserial correlation
  ``r_pb = (M_1 - M_0) / s_R · sqrt(p·q)`` where ``M_1``/``M_0`` are the mean rest scores
  of those who got the item right/wrong, ``s_R`` the population SD of the rest score and
  ``q = 1 - p``. If the item or its rest score has zero variance the correlation is
  undefined: ``discrimination`` is ``None`` and ``discrimination_reason`` says why.
* **Cronbach's alpha** (general): ``alpha = k/(k-1) · (1 - Σ_j var(x_j) / var(T))``.
* **KR-20** (dichotomous items only): ``KR20 = k/(k-1) · (1 - Σ_j p_j q_j / var(T))``.
  For 0/1 items ``p_j q_j`` *is* the population variance of the item, so KR-20 equals
  alpha on the same data.
* **Standard error of measurement**: ``SEM = sd(T) · sqrt(1 - alpha)``.
* **Flags** (``item_flags``): discrimination below ``MIN_DISCRIMINATION`` (0.2; below 0
  flagged apart, since stronger learners then do worse on the item) or difficulty above
  ``MAX_DIFFICULTY`` (0.95): the item tells learners apart too little to keep as it is.

**Variance definition.** Every variance and standard deviation here is the *population*
one (divide by ``n``, numpy ``ddof=0``), for items and total alike. KR-20's ``p·q`` is a
population variance, so this keeps KR-20 and alpha identical on 0/1 data; alpha itself is
a ratio of variances and does not depend on the choice as long as items and total use the
same one. The SEM, which is an absolute quantity, uses the population SD of the total.

**Reliability degenerate cases.** With fewer than two items, or when the total score does
not vary, alpha/KR-20 are undefined and reported as ``None`` with a reason (the SEM is then
``None`` too). Alpha can be negative when items covary negatively on average; that value
is reported as computed (it signals a problem with the test, not with the arithmetic), and
the SEM is still ``sd(T) · sqrt(1 - alpha)``.

**Missing responses** (``None`` or NaN in the matrix) are handled by the ``missing``
policy; pass it explicitly to make the choice visible in calling code:

* ``"zero"`` (the default): an unanswered item earns no points, as it would when the
  test is scored. Every learner is analysed.
* ``"exclude_learner"``: listwise deletion; learners with any missing item score are
  dropped from every statistic (and from the distractor counts).
* ``"error"``: any missing score raises ``ValueError``.

``ItemStats.n_missing`` always counts the missing scores in the input, whatever the policy.
In choice data ``None`` means "no option chosen" and is counted as ``omitted``.

**Distractor analysis.** For each option: how many learners chose it, and how many in the
upper and lower groups, which are the top and bottom 27 % of analysed learners by total
score (Kelley, 1939; the group size is ``0.27·n`` rounded half up; ties at the cut are broken by
learner order, earlier learners first). ``OptionStats.discrimination_index`` is
``(upper - lower) / group size``: a working distractor has a negative index, the key a
positive one.

References: L. Crocker & J. Algina, *Introduction to Classical and Modern Test Theory*
(1986), ch. 7 (reliability, SEM) and ch. 14 (item analysis); G. F. Kuder &
M. W. Richardson, "The theory of the estimation of test reliability", *Psychometrika* 2
(1937); L. J. Cronbach, "Coefficient alpha and the internal structure of tests",
*Psychometrika* 16 (1951); T. L. Kelley, "The selection of upper and lower groups for the
validation of test items", *J. Educational Psychology* 30 (1939).

The package: ``results`` (what an analysis returns), ``inputs`` (checking the input),
``compute`` (the statistics), ``distractors``, ``flags`` and ``benchmark``.
"""

from assessments.analysis.benchmark import benchmark_analysis
from assessments.analysis.compute import analyse_items
from assessments.analysis.distractors import upper_lower_groups
from assessments.analysis.flags import MAX_DIFFICULTY, MIN_DISCRIMINATION, ItemFlag, item_flags
from assessments.analysis.results import (
    MISSING_POLICIES,
    UPPER_LOWER_FRACTION,
    VARIANCE_DEFINITION,
    DistractorAnalysis,
    ItemAnalysis,
    ItemKey,
    ItemStats,
    MissingPolicy,
    OptionStats,
    ScaleStats,
    Undefined,
)

__all__ = [
    "MAX_DIFFICULTY",
    "MIN_DISCRIMINATION",
    "MISSING_POLICIES",
    "UPPER_LOWER_FRACTION",
    "VARIANCE_DEFINITION",
    "DistractorAnalysis",
    "ItemAnalysis",
    "ItemFlag",
    "ItemKey",
    "ItemStats",
    "MissingPolicy",
    "OptionStats",
    "ScaleStats",
    "Undefined",
    "analyse_items",
    "benchmark_analysis",
    "item_flags",
    "upper_lower_groups",
]
