"""Hidden drift-detection cases drawn per seed.

The windows in data/ were built to be awkward: current values below the reference minimum
or above its maximum, values lying exactly on the reference's decile cut points, heavily
tied integer columns (most cut points equal), categories that are new or missing, small
windows where the floor matters, and files whose columns come in another order. Each seed
picks windows and thresholds, some exactly equal to a column's rounded PSI (the alert
fires at PSI >= threshold). The PSI table was computed by the reference solution and
checked against an independent plain-Python implementation.
"""

PSI = {
    'reference.csv|reference.csv': {'amount': 0.0, 'latency_ms': 0.0, 'channel': 0.0},
    'reference.csv|week_a.csv': {'amount': 0.0504, 'latency_ms': 0.0252, 'channel': 0.0186},
    'reference.csv|week_b.csv': {'amount': 0.2897, 'latency_ms': 0.0259, 'channel': 0.224},
    'reference.csv|week_c.csv': {'amount': 0.0707, 'latency_ms': 0.2509, 'channel': 1.211},
    'reference.csv|week_d.csv': {'amount': 0.4677, 'latency_ms': 0.1598, 'channel': 1.5923},
    'reference.csv|week_e.csv': {'amount': 0.0755, 'latency_ms': 0.2314, 'channel': 0.6402},
    'reference.csv|week_f.csv': {'amount': 0.1834, 'latency_ms': 0.2297, 'channel': 0.0338},
    'reference.csv|week_g.csv': {'amount': 0.044, 'latency_ms': 0.0196, 'channel': 0.009},
    'ops_reference.csv|ops_reference.csv': {'retries': 0.0, 'tokens': 0.0, 'region': 0.0},
    'ops_reference.csv|ops_week_1.csv': {'retries': 0.239, 'tokens': 0.0738, 'region': 0.7968},
    'ops_reference.csv|ops_week_2.csv': {'retries': 2.3005, 'tokens': 0.407, 'region': 1.3112},
    'ops_reference.csv|ops_week_3.csv': {'retries': 0.0217, 'tokens': 0.0398, 'region': 0.023},
}
TOLERANCE = 1e-9
SALES = ["week_c.csv", "week_d.csv", "week_e.csv", "week_f.csv", "week_g.csv"]
OPS = ["ops_week_1.csv", "ops_week_2.csv", "ops_week_3.csv"]


def case(name, reference, current, threshold=None, keyword=False, **extra):
    scores = PSI[f"{reference}|{current}"]
    args = [f"/lab/data/{reference}", f"/lab/data/{current}"]
    kwargs = {}
    if threshold is not None:
        if keyword:
            kwargs["threshold"] = threshold
        else:
            args.append(threshold)
    limit = 0.2 if threshold is None else threshold
    expected = {"psi": dict(scores), "drifted": sorted(c for c, v in scores.items() if v >= limit)}
    return {"name": name, "args": args, "kwargs": kwargs, "expected": expected, "comparator": "close", "tolerance": TOLERANCE, **extra}


def hidden_cases(rng):
    sales = rng.sample(SALES, 3)
    ops = rng.sample(OPS, 2)
    cases = [case("a sales window at the default threshold", "reference.csv", sales[0])]

    scores = PSI[f"reference.csv|{sales[1]}"]
    column = rng.choice(sorted(c for c, v in scores.items() if v > 0))
    cases.append(case("an alert exactly at the threshold", "reference.csv", sales[1], scores[column], rng.random() < 0.5, points=2,
                      critical="a column whose PSI reaches the alert threshold must be reported, or a drifting model runs unnoticed"))

    scores = PSI[f"ops_reference.csv|{ops[0]}"]
    column = rng.choice(sorted(scores))
    cases.append(case("tied values at the threshold", "ops_reference.csv", ops[0], scores[column], rng.random() < 0.5, points=2))

    scores = PSI[f"ops_reference.csv|{ops[1]}"]
    column = rng.choice(sorted(scores))
    cases.append(case("just below the threshold", "ops_reference.csv", ops[1], round(scores[column] + 0.0001, 4)))

    cases.append(case("another sales window, another threshold", "reference.csv", sales[2], rng.choice([0.05, 0.1, 0.15, 0.25, 0.5])))
    return cases
