"""Mutants of a reference solution: each operator on a small source, ids, what is left out."""

from __future__ import annotations

import textwrap

from assessments.mutants import Mutant, Operator, mutants_of


def _mutants(source: str, operator: Operator | None = None) -> dict[str, Mutant]:
    found = mutants_of(textwrap.dedent(source).lstrip("\n"), "solution.py")
    return {m.id: m for m in found if operator is None or m.operator is operator}


def _changes(source: str, operator: Operator) -> dict[str, str]:
    return {id_: m.after for id_, m in _mutants(source, operator).items()}


def test_comparisons_flip_and_chained_ones_get_a_suffix_per_operator():
    source = """
        def f(a, b, c, xs):
            return [a < b, a > b, a == b, a in xs, a <= b < c]
    """
    changes = _changes(source, Operator.COMPARE_FLIP)
    line = "return [a < b, a > b, a == b, a in xs, a <= b < c]"
    assert changes == {
        "compare-flip:solution.py:2:13": line.replace("a < b,", "(a <= b),"),
        "compare-flip:solution.py:2:20": line.replace("a > b", "(a >= b)"),
        "compare-flip:solution.py:2:27": line.replace("a == b", "(a != b)"),
        "compare-flip:solution.py:2:35": line.replace("a in xs", "(a not in xs)"),
        "compare-flip:solution.py:2:44:1": line.replace("a <= b < c", "(a < b < c)"),
        "compare-flip:solution.py:2:44:2": line.replace("a <= b < c", "(a <= b <= c)"),
    }


def test_integer_constants_move_by_one_but_booleans_and_floats_do_not():
    source = """
        LIMIT = 0
        FLAG = True
        RATE = 0.5
    """
    assert _changes(source, Operator.CONSTANT_BUMP) == {
        "constant-bump:solution.py:1:9:inc": "LIMIT = 1",
        "constant-bump:solution.py:1:9:dec": "LIMIT = (-1)",
    }


def test_an_if_loses_its_body_or_its_else_and_its_test_is_forced():
    source = """
        def f(x):
            if x:
                y = 1
            else:
                y = 2
            return y
    """
    mutants = {
        **_mutants(source, Operator.DROP_BRANCH),
        **_mutants(source, Operator.FORCE_CONDITION),
    }
    assert {id_: (m.line, m.after) for id_, m in mutants.items()} == {
        "drop-branch:solution.py:2:5:body": (3, "pass"),
        "drop-branch:solution.py:2:5:else": (5, "pass"),
        "force-condition:solution.py:2:5:true": (2, "if True:"),
        "force-condition:solution.py:2:5:false": (2, "if False:"),
    }
    dropped = mutants["drop-branch:solution.py:2:5:body"].source
    assert "    if x:\n        pass\n    else:\n        y = 2\n" in dropped


def test_an_elif_is_not_dropped_as_an_else_but_has_mutants_of_its_own():
    source = """
        def f(x):
            if x == 1:
                return 1
            elif x == 2:
                return 2
            return 3
    """
    ids = set(_mutants(source, Operator.DROP_BRANCH))
    assert ids == {"drop-branch:solution.py:2:5:body", "drop-branch:solution.py:4:5:body"}


def test_equality_on_text_becomes_a_substring_test_but_not_on_numbers():
    source = """
        def f(host, domain, n):
            name = host.lower()
            return name == domain or "x" == host or n == 3
    """
    changes = _changes(source, Operator.SUBSTRING_EQUALITY)
    line = 'return name == domain or "x" == host or n == 3'
    assert changes == {
        "substring-equality:solution.py:3:12:in": line.replace(
            "name == domain", "(domain in name)"
        ),
        "substring-equality:solution.py:3:12:endswith": line.replace(
            "name == domain", "(name.endswith(domain))"
        ),
        "substring-equality:solution.py:3:12:startswith": line.replace(
            "name == domain", "(name.startswith(domain))"
        ),
        # the literal is the part looked for, the other side the text searched
        "substring-equality:solution.py:3:30:in": line.replace('"x" == host', "('x' in host)"),
        "substring-equality:solution.py:3:30:endswith": line.replace(
            '"x" == host', "(host.endswith('x'))"
        ),
        "substring-equality:solution.py:3:30:startswith": line.replace(
            '"x" == host', "(host.startswith('x'))"
        ),
    }


def test_case_folding_is_left_out_and_the_id_points_at_the_method():
    source = """
        def f(a, b):
            return a.lower() == b.casefold().strip().upper()
    """
    assert _changes(source, Operator.DROP_CASE_FOLD) == {
        "drop-case-fold:solution.py:2:14": "return (a) == b.casefold().strip().upper()",
        "drop-case-fold:solution.py:2:27": "return a.lower() == (b).strip().upper()",
        "drop-case-fold:solution.py:2:46": "return a.lower() == (b.casefold().strip())",
    }


def test_functions_return_early_and_methods_skip_self():
    source = """
        def f(text, limit):
            return text[:limit]

        class Guard:
            def check(self, call):
                return call

        def g(): return 1
    """
    changes = _changes(source, Operator.EARLY_RETURN)
    assert changes == {
        "early-return:solution.py:1:1:none": "return None",
        "early-return:solution.py:1:1:param": "return text",
        "early-return:solution.py:1:1:empty": "return type(text)()",
        "early-return:solution.py:5:5:none": "return None",
        "early-return:solution.py:5:5:param": "return call",
        "early-return:solution.py:5:5:empty": "return type(call)()",
        "early-return:solution.py:8:1:none": "def g(): return None; return 1",
    }
    inserted = _mutants(source)["early-return:solution.py:5:5:param"].source
    assert "    def check(self, call):\n        return call\n        return call\n" in inserted


def test_and_becomes_or_and_back():
    source = """
        ok = a and b
        either = a or b or c
    """
    assert _changes(source, Operator.BOOL_FLIP) == {
        "bool-flip:solution.py:1:6": "ok = (a or b)",
        "bool-flip:solution.py:2:10": "either = (a and b and c)",
    }


def test_ids_are_stable_and_count_columns_in_characters():
    source = """
        def f(name):
            return name == "é" or "é" == name
    """
    first, again = _mutants(source), _mutants(source)
    assert list(first) == list(again)
    # 1-based characters: "é" is two bytes in UTF-8, ast counts bytes, the id does not
    assert {"compare-flip:solution.py:2:12", "compare-flip:solution.py:2:27"} <= set(first)
    edited = "# a comment above moves the ids below it\n" + textwrap.dedent(source).lstrip()
    moved = {m.id for m in mutants_of(edited, "solution.py")}
    assert {"compare-flip:solution.py:3:12", "compare-flip:solution.py:3:27"} <= moved


def test_nested_places_that_start_together_get_numbered():
    ids = list(_mutants("x = a and b or c\n", Operator.BOOL_FLIP))
    assert ids == ["bool-flip:solution.py:1:5", "bool-flip:solution.py:1:5:2"]


def test_mutants_that_do_not_compile_and_code_that_never_runs_are_left_out():
    source = """
        async def stream(chunks):
            for chunk in chunks:
                yield chunk

        if __name__ == "__main__":
            print(1 == 2)
    """
    # `return <value>` is not allowed in an async generator: no early-return mutant compiles
    assert set(_mutants(source)) == set()
    assert mutants_of("def broken(:\n", "solution.py") == []
