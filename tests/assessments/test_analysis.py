"""Item analysis checked against independent values.

(a) small data sets worked by hand (the arithmetic is in the comments);
(b) random matrices where every statistic is recomputed with numpy straight from a
    textbook definition, by a different route from the one assessments.analysis takes;
(c) degenerate cases, missing-response policies and bad input.
"""

from __future__ import annotations

import math
import subprocess
import sys
from collections import Counter

import numpy as np
import pytest

from assessments.analysis import (
    ItemAnalysis,
    Undefined,
    analyse_items,
    upper_lower_groups,
)

# -- (a) worked by hand ------------------------------------------------------------------------

# Five learners, four 0/1 items.
#
#            i1 i2 i3 i4 | total
#   L1        1  1  1  1 |   4
#   L2        1  1  1  0 |   3
#   L3        1  1  0  0 |   2
#   L4        1  0  1  0 |   2
#   L5        0  0  0  0 |   0
HAND = [
    [1, 1, 1, 1],
    [1, 1, 1, 0],
    [1, 1, 0, 0],
    [1, 0, 1, 0],
    [0, 0, 0, 0],
]


def test_hand_worked_dichotomous_difficulty_and_reliability() -> None:
    result = analyse_items(HAND)
    # p = column sums / 5: i1 4/5 = 0.8, i2 3/5 = 0.6, i3 3/5 = 0.6, i4 1/5 = 0.2
    assert [item.difficulty for item in result.items] == pytest.approx([0.8, 0.6, 0.6, 0.2])
    # p·q: 0.8·0.2 = 0.16, 0.6·0.4 = 0.24, 0.24, 0.2·0.8 = 0.16; sum = 0.80
    assert [item.variance for item in result.items] == pytest.approx([0.16, 0.24, 0.24, 0.16])
    # totals 4, 3, 2, 2, 0: mean 11/5 = 2.2
    # deviations 1.8, 0.8, -0.2, -0.2, -2.2; squares 3.24 + 0.64 + 0.04 + 0.04 + 4.84 = 8.8
    # population variance 8.8 / 5 = 1.76
    scale = result.scale
    assert scale.total_mean == pytest.approx(2.2)
    assert scale.total_variance == pytest.approx(1.76)
    assert scale.total_sd == pytest.approx(math.sqrt(1.76))
    # KR-20 = 4/3 · (1 - 0.80/1.76) = 4/3 · 0.96/1.76 = 4/3 · 6/11 = 8/11 = 0.727272...
    assert scale.dichotomous
    assert scale.kr20 == pytest.approx(8 / 11)
    assert scale.alpha == pytest.approx(8 / 11)
    assert scale.reliability == scale.alpha
    # SEM = sqrt(1.76) · sqrt(1 - 8/11) = sqrt(1.76 · 3/11) = sqrt(0.48) = 0.692820...
    assert scale.sem == pytest.approx(math.sqrt(0.48))
    assert scale.alpha_reason is None and scale.kr20_reason is None and scale.sem_reason is None
    assert scale.n_learners == 5 and scale.n_items == 4 and scale.n_excluded == 0
    assert "population" in scale.variance_definition


def test_hand_worked_dichotomous_point_biserial() -> None:
    result = analyse_items(HAND, item_ids=["i1", "i2", "i3", "i4"])
    # r_pb = (M1 - M0) / s_R · sqrt(p·q), with R the rest score (total minus the item)
    # and s_R its population SD.
    #
    # i1: x = 1 1 1 1 0, R = 3 2 1 1 0. M1 = 7/4 = 1.75, M0 = 0.
    #     mean R = 7/5 = 1.4; dev 1.6 0.6 -0.4 -0.4 -1.4; squares sum 2.56+0.36+0.16+0.16+1.96
    #     = 5.2; var 5.2/5 = 1.04.  r = 1.75 · sqrt(0.16) / sqrt(1.04) = 0.7 / sqrt(1.04)
    # i2: x = 1 1 1 0 0, R = 3 2 1 2 0. M1 = 6/3 = 2, M0 = 2/2 = 1.
    #     mean R = 1.6; dev 1.4 0.4 -0.6 0.4 -1.6; squares 1.96+0.16+0.36+0.16+2.56 = 5.2;
    #     var 1.04.  r = 1 · sqrt(0.24) / sqrt(1.04) = sqrt(0.24/1.04)
    # i3: x = 1 1 0 1 0, R = 3 2 2 1 0. M1 = 2, M0 = 1; var R = 1.04 as for i2 (same
    #     multiset of values).  r = sqrt(0.24/1.04)
    # i4: x = 1 0 0 0 0, R = 3 3 2 2 0. M1 = 3, M0 = 7/4 = 1.75.
    #     mean R = 2; dev 1 1 0 0 -2; squares 1+1+0+0+4 = 6; var 6/5 = 1.2.
    #     r = 1.25 · sqrt(0.16) / sqrt(1.2) = 0.5 / sqrt(1.2)
    expected = {
        "i1": 0.7 / math.sqrt(1.04),  # 0.686406...
        "i2": math.sqrt(0.24 / 1.04),  # 0.480384...
        "i3": math.sqrt(0.24 / 1.04),
        "i4": 0.5 / math.sqrt(1.2),  # 0.456435...
    }
    for item_id, value in expected.items():
        item = result.item(item_id)
        assert item.discrimination == pytest.approx(value), item_id
        assert item.discrimination_reason is None
    assert result.item("i1").discrimination == pytest.approx(0.686406, abs=1e-6)
    assert result.item("i4").discrimination == pytest.approx(0.456435, abs=1e-6)


def test_hand_worked_polytomous_alpha() -> None:
    # Four learners, three items worth 2, 2 and 3 points.
    #
    #          a  b  c | total
    #   L1     2  2  3 |   7
    #   L2     1  2  2 |   5
    #   L3     1  0  1 |   2
    #   L4     0  0  2 |   2
    result = analyse_items(
        [[2, 2, 3], [1, 2, 2], [1, 0, 1], [0, 0, 2]],
        max_scores=[2, 2, 3],
        item_ids=["a", "b", "c"],
    )
    # a: 2 1 1 0, mean 1, dev 1 0 0 -1, var 2/4 = 0.5, p = 1/2
    # b: 2 2 0 0, mean 1, dev 1 1 -1 -1, var 4/4 = 1.0, p = 1/2
    # c: 3 2 1 2, mean 2, dev 1 0 -1 0, var 2/4 = 0.5, p = 2/3
    assert [i.difficulty for i in result.items] == pytest.approx([0.5, 0.5, 2 / 3])
    assert [i.variance for i in result.items] == pytest.approx([0.5, 1.0, 0.5])
    # totals 7 5 2 2, mean 4, dev 3 1 -2 -2, squares 9+1+4+4 = 18, var 18/4 = 4.5
    # alpha = 3/2 · (1 - 2.0/4.5) = 3/2 · 5/9 = 5/6
    assert result.scale.total_variance == pytest.approx(4.5)
    assert result.scale.alpha == pytest.approx(5 / 6)
    # SEM = sqrt(4.5) · sqrt(1/6) = sqrt(0.75)
    assert result.scale.sem == pytest.approx(math.sqrt(0.75))
    # Not 0/1 data: no KR-20, and a reason that says so.
    assert not result.scale.dichotomous
    assert result.scale.kr20 is None
    assert "dichotomous" in (result.scale.kr20_reason or "")
    # Item-rest for a: x = 2 1 1 0, R = 5 4 1 2 (mean 3, dev 2 1 -2 -1);
    # x dev 1 0 0 -1; cov = (2 + 0 + 0 + 1)/4 = 0.75; var R = (4+1+4+1)/4 = 2.5;
    # r = 0.75 / sqrt(0.5 · 2.5) = 0.75 / sqrt(1.25) = 0.670820...
    assert result.item("a").discrimination == pytest.approx(0.75 / math.sqrt(1.25))


def test_hand_worked_distractors() -> None:
    # Item i4 of HAND (key "B"): L1 chose B (right), L2 A, L3 A, L4 nothing, L5 C.
    # Upper/lower groups: 0.27 · 5 = 1.35 -> 1 learner each: upper L1 (total 4),
    # lower L5 (total 0).
    result = analyse_items(
        HAND,
        item_ids=["i1", "i2", "i3", "i4"],
        choices={"i4": ["B", "A", "A", None, "C"]},
        options={"i4": ["A", "B", "C", "D"]},
        keys={"i4": "B"},
    )
    analysis = result.item("i4").distractors
    assert analysis is not None
    assert analysis.key == "B" and analysis.group_size == 1
    assert analysis.omitted == 1 and analysis.upper_omitted == 0 and analysis.lower_omitted == 0
    table = {o.option: (o.count, o.upper_count, o.lower_count, o.is_key) for o in analysis.options}
    assert table == {
        "A": (2, 0, 0, False),
        "B": (1, 1, 0, True),
        "C": (1, 0, 1, False),
        "D": (0, 0, 0, False),  # declared, chosen by nobody
    }
    assert [o.option for o in analysis.options] == ["A", "B", "C", "D"]
    assert analysis.option("A").proportion == pytest.approx(2 / 5)
    assert analysis.option("B").discrimination_index == pytest.approx(1.0)
    assert analysis.option("C").discrimination_index == pytest.approx(-1.0)
    assert result.item("i1").distractors is None


def test_upper_lower_groups_ties_go_to_earlier_learners() -> None:
    # 0.4 · 5 = 2 per group. Highest totals: learners 0 and 2 (3, 3); lowest: 1 and 3 (1, 1).
    upper, lower = upper_lower_groups([3, 1, 3, 1, 2], 0.4)
    assert upper.tolist() == [0, 2] and lower.tolist() == [1, 3]
    # All tied: both groups take the earliest learners.
    upper, lower = upper_lower_groups([2, 2, 2, 2, 2, 2, 2, 2, 2, 2])
    assert upper.tolist() == [0, 1, 2] and lower.tolist() == [0, 1, 2]  # 2.7 -> 3


# -- (b) random matrices against independent numpy recomputation -------------------------------


def _rasch(rng: np.random.Generator, n: int, k: int) -> np.ndarray:
    ability = rng.normal(size=(n, 1))
    difficulty = rng.normal(size=(1, k))
    return (rng.random((n, k)) < 1 / (1 + np.exp(difficulty - ability))).astype(float)


def _polytomous(rng: np.random.Generator, n: int, k: int) -> tuple[np.ndarray, np.ndarray]:
    maxima = rng.integers(1, 6, size=k).astype(float)
    ability = rng.normal(size=(n, 1))
    # A common factor so the items correlate, then clip to 0..max and round.
    raw = (0.5 + 0.25 * ability + 0.2 * rng.normal(size=(n, k))) * maxima
    return np.clip(np.rint(raw), 0, maxima), maxima


def _alpha_from_covariance(x: np.ndarray) -> float:
    # alpha = k/(k-1) · (1 - trace(C)/sum(C)), C the item covariance matrix. sum(C) is the
    # variance of the total. ddof=1 here on purpose: the ratio does not depend on it.
    c = np.cov(x, rowvar=False, ddof=1)
    k = x.shape[1]
    return k / (k - 1) * (1 - np.trace(c) / c.sum())


def _point_biserial(item: np.ndarray, rest: np.ndarray) -> float | None:
    right = item == 1
    p = right.mean()
    s = rest.std(ddof=0)
    if p in (0.0, 1.0) or s == 0:
        return None
    m1 = rest[right].mean()
    m0 = rest[~right].mean()
    return (m1 - m0) / s * math.sqrt(p * (1 - p))


@pytest.mark.parametrize(("seed", "n", "k"), [(1, 40, 5), (2, 200, 12), (3, 500, 30)])
def test_random_dichotomous_against_textbook_definitions(seed: int, n: int, k: int) -> None:
    rng = np.random.default_rng(seed)
    x = _rasch(rng, n, k)
    result = analyse_items(x)
    total = x.sum(axis=1)

    for j, item in enumerate(result.items):
        column = [float(row[j]) for row in x]
        assert item.difficulty == pytest.approx(sum(column) / len(column))
        expected = _point_biserial(x[:, j], total - x[:, j])
        if expected is None:
            assert item.discrimination is None and item.discrimination_reason
        else:
            assert item.discrimination == pytest.approx(expected, abs=1e-12)

    alpha = _alpha_from_covariance(x)
    p = x.mean(axis=0)
    kr20 = k / (k - 1) * (1 - float(np.sum(p * (1 - p))) / float(np.var(total)))
    assert result.scale.alpha == pytest.approx(alpha, abs=1e-12)
    assert result.scale.kr20 == pytest.approx(kr20, abs=1e-12)
    assert result.scale.kr20 == pytest.approx(result.scale.alpha, abs=1e-12)  # 0/1 data
    assert result.scale.sem == pytest.approx(float(np.std(total)) * math.sqrt(1 - alpha))


@pytest.mark.parametrize(("seed", "n", "k"), [(4, 30, 4), (5, 300, 20)])
def test_random_polytomous_against_textbook_definitions(seed: int, n: int, k: int) -> None:
    rng = np.random.default_rng(seed)
    x, maxima = _polytomous(rng, n, k)
    result = analyse_items(x, max_scores=maxima)
    total = x.sum(axis=1)
    for j, item in enumerate(result.items):
        assert item.max_score == maxima[j]
        assert item.difficulty == pytest.approx(float(np.mean(x[:, j])) / maxima[j])
        rest = total - x[:, j]
        if np.ptp(x[:, j]) == 0 or np.ptp(rest) == 0:
            assert item.discrimination is None
        else:
            expected = np.corrcoef(x[:, j], rest)[0, 1]
            assert item.discrimination == pytest.approx(expected, abs=1e-12)
    alpha = _alpha_from_covariance(x)
    assert result.scale.alpha == pytest.approx(alpha, abs=1e-12)
    assert result.scale.sem == pytest.approx(float(np.std(total)) * math.sqrt(1 - alpha))
    assert result.scale.kr20 is None


def test_random_distractor_counts_against_counter() -> None:
    rng = np.random.default_rng(7)
    n, k = 150, 6
    x = _rasch(rng, n, k)
    labels = np.array(["A", "B", "C", "D"])
    wrong = labels[rng.integers(1, 4, size=(n, k))]
    chosen = np.where(x == 1, "A", wrong).astype(object)
    chosen[rng.random((n, k)) < 0.05] = None  # some learners picked nothing
    choices = {j: chosen[:, j].tolist() for j in range(k)}
    result = analyse_items(x, choices=choices, keys=dict.fromkeys(range(k), "A"))

    total = x.sum(axis=1)
    size = int(0.27 * n + 0.5)  # 40.5 -> 40
    order = sorted(range(n), key=lambda i: (-total[i], i))
    upper = order[:size]
    lower = sorted(range(n), key=lambda i: (total[i], i))[:size]
    for j in range(k):
        analysis = result.items[j].distractors
        assert analysis is not None and analysis.group_size == size
        everyone = Counter(choices[j])
        top = Counter(choices[j][i] for i in upper)
        bottom = Counter(choices[j][i] for i in lower)
        assert analysis.omitted == everyone[None]
        assert analysis.upper_omitted == top[None] and analysis.lower_omitted == bottom[None]
        for option in analysis.options:
            assert option.count == everyone[option.option]
            assert option.upper_count == top[option.option]
            assert option.lower_count == bottom[option.option]
            assert option.is_key == (option.option == "A")
        assert sum(o.count for o in analysis.options) + analysis.omitted == n


# -- (c) missing responses -------------------------------------------------------------------


def _with_missing() -> np.ndarray:
    rng = np.random.default_rng(11)
    x = _rasch(rng, 60, 8)
    holes = rng.random(x.shape) < 0.05
    x[holes] = np.nan
    return x


def _same_statistics(a: ItemAnalysis, b: ItemAnalysis) -> None:
    for left, right in zip(a.items, b.items, strict=True):
        assert left.difficulty == pytest.approx(right.difficulty)
        assert left.discrimination == pytest.approx(right.discrimination)
    assert a.scale.alpha == pytest.approx(b.scale.alpha)
    assert a.scale.sem == pytest.approx(b.scale.sem)


def test_missing_scored_zero() -> None:
    x = _with_missing()
    result = analyse_items(x, missing="zero")
    _same_statistics(result, analyse_items(np.nan_to_num(x, nan=0.0)))
    assert result.scale.n_learners == 60 and result.scale.n_excluded == 0
    assert [i.n_missing for i in result.items] == np.isnan(x).sum(axis=0).tolist()
    assert all(i.n_responses + i.n_missing == 60 for i in result.items)


def test_missing_exclude_learner() -> None:
    x = _with_missing()
    complete = x[~np.isnan(x).any(axis=1)]
    result = analyse_items(x, missing="exclude_learner")
    _same_statistics(result, analyse_items(complete))
    assert result.scale.n_learners == complete.shape[0]
    assert result.scale.n_excluded == 60 - complete.shape[0] > 0
    # The missing counts describe the input, whatever the policy.
    assert [i.n_missing for i in result.items] == np.isnan(x).sum(axis=0).tolist()


def test_missing_none_in_lists_and_error_policy() -> None:
    rows = [[1, None, 0], [0, 1, 1], [1, 1, None]]
    assert analyse_items(rows).items[1].n_missing == 1
    with pytest.raises(ValueError, match="missing score for learner 0, item '2'"):
        analyse_items(rows, missing="error")
    with pytest.raises(ValueError, match="missing must be one of"):
        analyse_items(rows, missing="pairwise")  # type: ignore[arg-type]


def test_exclude_learner_also_filters_choices() -> None:
    rows = [[1, 1], [None, 0], [0, 1], [1, 0]]
    result = analyse_items(
        rows, missing="exclude_learner", choices={0: ["A", "B", "B", "A"]}, keys={0: "A"}
    )
    analysis = result.items[0].distractors
    assert analysis is not None
    assert {o.option: o.count for o in analysis.options} == {"A": 2, "B": 1}


def test_no_learner_left() -> None:
    result = analyse_items(
        [[1, None], [None, 0]], missing="exclude_learner", choices={0: ["A", None]}
    )
    assert result.scale.n_learners == 0 and result.scale.n_excluded == 2
    assert result.scale.alpha is None and result.scale.sem is None
    assert result.items[0].difficulty is None
    assert result.items[0].discrimination_reason is Undefined.NO_LEARNERS
    distractors = result.items[0].distractors
    assert distractors is not None and distractors.group_size == 0
    assert distractors.options[0].proportion is None
    assert distractors.options[0].discrimination_index is None


# -- (c) degenerate cases ----------------------------------------------------------------------


def test_zero_variance_item_has_no_discrimination() -> None:
    # i2 answered right by everyone: p = 1, variance 0, no correlation defined.
    x = [[1, 1, 1], [0, 1, 1], [1, 1, 0], [0, 1, 0]]
    result = analyse_items(x)
    item = result.items[1]
    assert item.difficulty == 1.0 and item.variance == 0.0
    assert item.discrimination is None
    assert "item has zero variance" in (item.discrimination_reason or "")
    # The other items are unaffected, and alpha is still defined (the item adds no variance).
    assert result.items[0].discrimination is not None
    assert result.scale.alpha == pytest.approx(_alpha_from_covariance(np.array(x, float)))


def test_constant_rest_score_has_no_discrimination() -> None:
    # Item 1 varies, but the only other item is constant, so its rest score is constant.
    result = analyse_items([[1, 1], [0, 1], [1, 1]])
    assert result.items[0].discrimination is None
    assert "rest score" in (result.items[0].discrimination_reason or "")
    assert "item has zero variance" in (result.items[1].discrimination_reason or "")


def test_single_item_has_no_reliability() -> None:
    result = analyse_items([[1], [0], [1]])
    assert result.scale.alpha is None and result.scale.kr20 is None
    assert result.scale.alpha_reason is Undefined.TOO_FEW_ITEMS
    assert result.scale.alpha_reason == "reliability needs at least 2 items"  # the English
    assert result.scale.kr20_reason is Undefined.TOO_FEW_ITEMS
    assert result.scale.sem is None and result.scale.sem_reason is Undefined.TOO_FEW_ITEMS
    assert result.items[0].difficulty == pytest.approx(2 / 3)
    assert result.items[0].discrimination is None
    assert result.items[0].discrimination_reason is Undefined.NO_OTHER_ITEMS


def test_constant_total_has_no_reliability() -> None:
    # Everyone scores 1 out of 2, on different items: total variance 0.
    result = analyse_items([[1, 0], [0, 1], [1, 0]])
    assert result.scale.total_variance == 0.0
    assert result.scale.alpha is None
    assert result.scale.alpha_reason is Undefined.TOTAL_NO_VARIANCE
    assert result.scale.sem is None


def test_one_learner() -> None:
    result = analyse_items([[1, 0, 1]])
    assert [i.difficulty for i in result.items] == [1.0, 0.0, 1.0]
    assert all(i.discrimination is None for i in result.items)
    assert result.scale.alpha is None


def test_negative_alpha_is_reported() -> None:
    # Two items that mostly disagree: var 0.24 each, cov = 1/5 - 0.6·0.6 = -0.16,
    # var(T) = 0.24 + 0.24 - 2·0.16 = 0.16, alpha = 2 · (1 - 0.48/0.16) = -4.
    x = np.array([[1, 0], [0, 1], [1, 0], [0, 1], [1, 1]], dtype=float)
    result = analyse_items(x)
    expected = _alpha_from_covariance(x)
    assert expected == pytest.approx(-4.0)
    assert result.scale.alpha == pytest.approx(expected)
    assert result.scale.sem == pytest.approx(float(np.std(x.sum(axis=1))) * math.sqrt(1 - expected))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"scores": [[1, 0], [1]]}, "rectangular"),
        ({"scores": [1, 0, 1]}, "2-D"),
        ({"scores": [[], []]}, "no items"),
        ({"scores": [[1, 2]]}, "outside"),
        ({"scores": [[1, -1]]}, "outside"),
        ({"scores": [[1, float("inf")]]}, "finite"),
        ({"scores": [[1, 2]], "max_scores": [1]}, "one value per item"),
        ({"scores": [[1, 0]], "max_scores": [1, 0]}, "positive"),
        ({"scores": [[1, 0]], "item_ids": ["a", "a"]}, "unique"),
        ({"scores": [[1, 0]], "choices": {0: ["A", "B"]}}, "2 entries for 1 learners"),
        ({"scores": [[1, 0]], "choices": {"x": ["A"]}}, "unknown item id"),
        ({"scores": [[1, 0]], "choices": {5: ["A"]}}, "out of range"),
        ({"scores": [[1, 0]], "choices": {0: ["E"]}, "options": {0: ["A", "B"]}}, "not declared"),
        (
            {"scores": [[1, 0]], "choices": {0: ["A"]}, "keys": {0: "Z"}, "options": {0: ["A"]}},
            "not one of its options",
        ),
        ({"scores": [[1, 0]], "keys": {0: "A"}}, "has a key but no choices"),
        ({"scores": [[1, 0]], "upper_lower_fraction": 0.6}, "upper_lower_fraction"),
    ],
)
def test_bad_input_is_rejected(kwargs: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        analyse_items(**kwargs)


# -- performance and isolation -----------------------------------------------------------------


def test_analysis_imports_neither_flask_nor_sqlalchemy() -> None:
    code = (
        "import sys, assessments.analysis; "
        "bad = [m for m in ('flask', 'sqlalchemy') if m in sys.modules]; "
        "sys.exit(f'imported {bad}' if bad else 0)"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
