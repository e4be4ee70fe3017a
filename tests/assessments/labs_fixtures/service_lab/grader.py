def compare(expected, actual):
    """The probe's observation must match, and the sandbox must not have seen the expected
    value that only this file knows (the app reports whether it found it anywhere)."""
    if actual.get("saw_expected"):
        return 0.0, f"the sandbox saw an expected value in {actual['saw_expected']}"
    actual = {key: value for key, value in actual.items() if key != "saw_expected"}
    wanted = {key: value for key, value in expected.items() if key != "secret"}
    return (1.0, "") if actual == wanted else (0.0, f"got {actual}")
