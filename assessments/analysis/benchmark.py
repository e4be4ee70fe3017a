"""How long an analysis of a large synthetic test takes (``bench/``)."""

from __future__ import annotations

import time

import numpy as np

from assessments.analysis.compute import analyse_items
from assessments.analysis.results import ItemKey


def benchmark_analysis(learners: int = 1000, items: int = 100, *, seed: int = 20240501) -> float:
    """Seconds taken by :func:`analyse_items` on deterministic synthetic data.

    The data follow a Rasch model (abilities and item difficulties drawn from N(0, 1) with
    a fixed seed), four options per item with "A" the key, wrong answers spread over the
    distractors, and about 1 % of responses missing (scored zero). Only the analysis is
    timed, not the data generation.
    """
    rng = np.random.default_rng(seed)
    ability = rng.normal(size=(learners, 1))
    difficulty = rng.normal(size=(1, items))
    prob = 1.0 / (1.0 + np.exp(difficulty - ability))
    correct = rng.random((learners, items)) < prob
    scores = correct.astype(float)
    omitted = rng.random((learners, items)) < 0.01
    scores[omitted] = np.nan
    wrong_choice = np.array(["B", "C", "D"])[rng.integers(0, 3, size=(learners, items))]
    labels = np.where(correct, "A", wrong_choice).astype(object)
    labels[omitted] = None
    # Annotated with analyse_items' key type: Mapping is invariant in its keys.
    choices: dict[ItemKey, list[str | None]] = {j: labels[:, j].tolist() for j in range(items)}
    option_list: dict[ItemKey, tuple[str, ...]] = {j: ("A", "B", "C", "D") for j in range(items)}
    keys: dict[ItemKey, str] = dict.fromkeys(range(items), "A")

    start = time.perf_counter()
    analyse_items(scores, missing="zero", choices=choices, options=option_list, keys=keys)
    return time.perf_counter() - start
