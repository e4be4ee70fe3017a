"""Agreement between two graders: exact agreement and quadratic weighted kappa, checked
against an example worked by hand."""

from __future__ import annotations

import pytest

from assessments.agreement import agreement, exact_agreement, weighted_kappa


def pairs_of(table: list[list[int]]) -> list[tuple[int, int]]:
    """The (first grader, second grader) level pairs a contingency table counts."""
    return [
        (i, j) for i, row in enumerate(table) for j, count in enumerate(row) for _ in range(count)
    ]


#: 20 pieces on a 3-level scale; rows are the first grader's level, columns the second's.
TABLE = [
    [5, 2, 0],  # row total 7
    [1, 6, 1],  # 8
    [0, 1, 4],  # 5
]  # column totals 6, 9, 5


def test_weighted_kappa_matches_the_hand_worked_example() -> None:
    """By hand, with weights w = (i - j)² / (k - 1)² = 0, 1/4 or 1 for k = 3 levels:

    observed weighted disagreement: one level apart 2 + 1 + 1 + 1 = 5 pieces x 1/4 = 1.25;
    two apart 0 pieces. Over N = 20: 1.25 / 20.

    expected counts E[i][j] = row_i x col_j / N:
        2.1   3.15  1.75
        2.4   3.6   2.0
        1.5   2.25  1.25
    one level apart: 3.15 + 2.4 + 2.0 + 2.25 = 9.8, x 1/4 = 2.45; two apart: 1.75 + 1.5 =
    3.25, x 1 = 3.25; total 5.7. Over N: 5.7 / 20.

    kappa = 1 - 1.25 / 5.7 = 1 - 25/114 = 89/114 ≈ 0.7807.
    Exact agreement: (5 + 6 + 4) / 20 = 0.75.
    """
    pairs = pairs_of(TABLE)
    assert len(pairs) == 20
    assert weighted_kappa(pairs, 3) == pytest.approx(89 / 114)
    assert exact_agreement(pairs) == 0.75
    result = agreement(pairs, 3)
    assert (result.pairs, result.exact) == (20, 0.75)
    assert result.kappa == pytest.approx(0.780702, abs=1e-6)


def test_perfect_and_chance_agreement() -> None:
    assert weighted_kappa([(0, 0), (1, 1), (2, 2), (3, 3)], 4) == pytest.approx(1.0)
    # The second grader reverses the scale: systematically worse than chance.
    assert weighted_kappa([(0, 3), (3, 0), (1, 2), (2, 1)], 4) == pytest.approx(-1.0)


@pytest.mark.parametrize(
    ("pairs", "categories"),
    [
        ([(2, 2), (2, 2), (2, 2)], 4),  # every mark the same level: chance agreement is perfect
        ([], 4),  # nothing to compare
        ([(0, 0)], 1),  # a one-level scale
    ],
)
def test_kappa_not_defined(pairs: list[tuple[int, int]], categories: int) -> None:
    assert weighted_kappa(pairs, categories) is None


def test_exact_agreement_without_pairs_is_not_defined() -> None:
    assert exact_agreement([]) is None
    assert agreement([], 4).exact is None


def test_levels_outside_the_scale_are_refused() -> None:
    with pytest.raises(ValueError, match="from 0 to 2"):
        weighted_kappa([(0, 3)], 3)
