"""Mutants of a lab's reference solution: small, plausible mistakes its tests should catch.

A lab certifies a skill only if its tests tell right code from nearly-right code. Each mutant
is the reference with one mistake a learner could make — a boundary off by one, a branch
left out, a suffix test where equality was meant, a forgotten ``.lower()`` — and a good lab
takes marks from every one of them (``assessments.audit`` grades them in the sandbox).

Mutants are made with :mod:`ast` and applied as text edits to the original source, so the
rest of the file stays exactly as the author wrote it. Maintained mutation tools were
considered and do not fit: mutmut 3 rewrites the package into trampolines switched by an
environment variable and drives pytest itself (the trampolines import mutmut, which the
sandbox does not have); cosmic-ray also runs a test command per mutant and brings its own
session database (SQLAlchemy), and neither has the substring-for-equality, case-folding or
early-return operators that matter for these labs. What we need is only the mutants'
source: grading them is the lab runner's job.

Each mutant has a stable id, ``operator:file:line:column`` (1-based, in characters, like a
compiler's ``file:line:col``) plus a suffix when one place yields several mutants, e.g.
``compare-flip:solution.py:12:9`` or ``drop-branch:solution.py:30:5:else``. Authors list
the ids of mutants that behave exactly like the reference under ``equivalent_mutants`` in
``lab.yaml``. Editing the reference moves the ids below the edit, on purpose: a declaration
about code that changed must be looked at again.
"""

from __future__ import annotations

import ast
import dataclasses
from collections import Counter
from collections.abc import Iterator
from enum import StrEnum
from pathlib import Path


class Operator(StrEnum):
    """How a mutant differs from the reference (the first part of its id)."""

    COMPARE_FLIP = "compare-flip"  #: < ↔ <=, > ↔ >=, == ↔ !=, in ↔ not in
    CONSTANT_BUMP = "constant-bump"  #: an integer constant ±1 (suffix inc / dec)
    DROP_BRANCH = "drop-branch"  #: an if's body or its else replaced by pass (body / else)
    FORCE_CONDITION = "force-condition"  #: an if's test replaced by True / False
    SUBSTRING_EQUALITY = "substring-equality"  #: == on text → in / endswith / startswith
    DROP_CASE_FOLD = "drop-case-fold"  #: .lower() / .casefold() / .upper() left out
    EARLY_RETURN = "early-return"  #: return None / the first parameter / its empty value
    BOOL_FLIP = "bool-flip"  #: and ↔ or


_FLIPS: dict[type[ast.cmpop], type[ast.cmpop]] = {
    ast.Lt: ast.LtE,
    ast.LtE: ast.Lt,
    ast.Gt: ast.GtE,
    ast.GtE: ast.Gt,
    ast.Eq: ast.NotEq,
    ast.NotEq: ast.Eq,
    ast.In: ast.NotIn,
    ast.NotIn: ast.In,
}
_CASE_FOLDS = frozenset({"lower", "casefold", "upper"})
#: str methods whose result is text: a comparison with one of them compares strings.
_TEXT_METHODS = _CASE_FOLDS | frozenset(
    {"strip", "lstrip", "rstrip", "replace", "format", "join", "title", "removeprefix",
     "removesuffix", "decode", "rpartition", "partition"}
)  # fmt: skip


@dataclasses.dataclass(frozen=True, slots=True)
class Mutant:
    """One mutated file of a submission; ``source`` is the whole file after the change."""

    id: str
    operator: Operator
    file: str  #: path inside the submission folder, with ``/``
    line: int  #: the line the change starts on (1-based)
    before: str  #: that line in the reference, stripped
    after: str  #: the same line in the mutant, stripped
    source: str


def mutants_of(source: str, file: str) -> list[Mutant]:
    """Every mutant of one Python file that compiles, in source order.

    ``file`` names it in the ids. A file that does not parse yields no mutants (the lab
    runner reports the reference's own syntax error).
    """
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    text = _Text(source)
    found = []
    seen: Counter[str] = Counter()
    edits = sorted(_Finder(text).edits(tree), key=lambda e: (e.node_line, e.node_col))
    for edit in edits:
        mutated = text.apply(edit)
        try:
            compile(mutated, file, "exec")
        except (SyntaxError, ValueError):
            continue  # a mutant that does not compile is no mistake a learner could submit
        column = text.column(edit.node_line, edit.node_col)
        suffix = f":{edit.suffix}" if edit.suffix else ""
        mutant_id = f"{edit.operator}:{file}:{edit.node_line}:{column + 1}{suffix}"
        # Nested nodes can start at the same place (`a and b or c`): number the later ones.
        seen[mutant_id] += 1
        if seen[mutant_id] > 1:
            mutant_id += f":{seen[mutant_id]}"
        line = edit.start[0]
        found.append(
            Mutant(
                id=mutant_id,
                operator=edit.operator,
                file=file,
                line=line,
                before=text.lines[line - 1].strip(),
                after=mutated.splitlines()[line - 1].strip(),
                source=mutated,
            )
        )
    return found


def mutants_of_folder(folder: Path) -> list[Mutant]:
    """The mutants of every ``.py`` file in a submission folder (e.g. a lab's reference)."""
    found = []
    for path in sorted(folder.rglob("*.py")):
        if path.is_file() and not path.is_symlink():
            relative = path.relative_to(folder).as_posix()
            found += mutants_of(path.read_text(encoding="utf-8"), relative)
    return found


# -- finding the edits -------------------------------------------------------------------


@dataclasses.dataclass(frozen=True, slots=True)
class _Edit:
    """Replace the text between two (line, byte column) positions of the reference."""

    operator: Operator
    node_line: int  #: where the mutated node starts: its id's position
    node_col: int  #: (a byte offset, as ast gives it)
    start: tuple[int, int]
    end: tuple[int, int]
    replacement: str
    suffix: str = ""


class _Text:
    """The reference's lines, with ast's UTF-8 byte columns turned into text offsets."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.lines = source.splitlines()
        self.starts = [0]
        for line in source.splitlines(keepends=True):
            self.starts.append(self.starts[-1] + len(line))

    def column(self, line: int, byte_col: int) -> int:
        return len(self.lines[line - 1].encode("utf-8")[:byte_col].decode("utf-8", "replace"))

    def offset(self, line: int, byte_col: int) -> int:
        return self.starts[line - 1] + self.column(line, byte_col)

    def segment(self, node: ast.expr) -> str:
        start = self.offset(node.lineno, node.col_offset)
        return self.source[start : self.offset(*_end(node))]

    def apply(self, edit: _Edit) -> str:
        start, end = self.offset(*edit.start), self.offset(*edit.end)
        return self.source[:start] + edit.replacement + self.source[end:]


def _end(node: ast.expr | ast.stmt) -> tuple[int, int]:
    """Where ``node`` ends (line, byte column). ast.parse sets both for every node it makes;
    they are None only on nodes built by hand, which are never measured."""
    if node.end_lineno is None or node.end_col_offset is None:
        raise ValueError(f"{type(node).__name__} at line {node.lineno} has no end position")
    return node.end_lineno, node.end_col_offset


class _Finder:
    def __init__(self, text: _Text) -> None:
        self.text = text

    def edits(self, tree: ast.Module) -> Iterator[_Edit]:
        yield from self._visit(tree, texts=frozenset(), in_class=False)

    def _visit(self, node: ast.AST, texts: frozenset[str], in_class: bool) -> Iterator[_Edit]:
        if isinstance(node, ast.JoinedStr):
            return  # inside f-strings ast's positions are not reliable before Python 3.12
        if isinstance(node, ast.If) and _is_main_guard(node.test):
            return  # never runs when the harness imports the module: every mutant survives
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            texts = _text_names(node)
            yield from self._early_returns(node, in_class)
        elif isinstance(node, ast.Compare):
            yield from self._compare(node, texts)
        elif isinstance(node, ast.Constant):
            yield from self._constant(node)
        elif isinstance(node, ast.If):
            yield from self._if(node)
        elif isinstance(node, ast.Call):
            yield from self._case_fold(node)
        elif isinstance(node, ast.BoolOp):
            flipped = ast.Or() if isinstance(node.op, ast.And) else ast.And()
            yield self._replace(node, Operator.BOOL_FLIP, ast.BoolOp(flipped, node.values))
        for child in ast.iter_child_nodes(node):
            yield from self._visit(child, texts, isinstance(node, ast.ClassDef))

    def _replace(
        self, node: ast.expr, operator: Operator, new: ast.expr | str, suffix: str = ""
    ) -> _Edit:
        """Replace an expression; parenthesised, so it binds as the original did."""
        text = new if isinstance(new, str) else f"({ast.unparse(new)})"
        return _Edit(
            operator,
            node.lineno,
            node.col_offset,
            (node.lineno, node.col_offset),
            _end(node),
            text,
            suffix,
        )

    def _compare(self, node: ast.Compare, texts: frozenset[str]) -> Iterator[_Edit]:
        for index, op in enumerate(node.ops):
            flip = _FLIPS.get(type(op))
            if flip is None:
                continue
            ops = [*node.ops[:index], flip(), *node.ops[index + 1 :]]
            suffix = str(index + 1) if len(node.ops) > 1 else ""
            yield self._replace(
                node, Operator.COMPARE_FLIP, ast.Compare(node.left, ops, node.comparators), suffix
            )
        if len(node.ops) != 1 or not isinstance(node.ops[0], ast.Eq):
            return
        left, right = node.left, node.comparators[0]
        if not (_is_text(left, texts) or _is_text(right, texts)):
            return  # on numbers, `in` would only raise: a mutant no learner would write
        # The text searched is the side that is not a literal (`x == "a"` → `"a" in x`).
        subject, part = (right, left) if isinstance(left, ast.Constant) else (left, right)
        contains = ast.Compare(part, [ast.In()], [subject])
        yield self._replace(node, Operator.SUBSTRING_EQUALITY, contains, "in")
        for method in ("endswith", "startswith"):
            call = ast.Call(ast.Attribute(subject, method, ast.Load()), [part], [])
            yield self._replace(node, Operator.SUBSTRING_EQUALITY, call, method)

    def _constant(self, node: ast.Constant) -> Iterator[_Edit]:
        if type(node.value) is not int:  # bool is an int too, but True + 1 is no boundary
            return
        for suffix, value in (("inc", node.value + 1), ("dec", node.value - 1)):
            text = f"({value})" if value < 0 else str(value)
            yield self._replace(node, Operator.CONSTANT_BUMP, text, suffix)

    def _if(self, node: ast.If) -> Iterator[_Edit]:
        yield self._drop(node, node.body, "body")
        if node.orelse and not self._is_elif(node.orelse):
            # An elif has mutants of its own; dropping it whole is not an "else: pass".
            yield self._drop(node, node.orelse, "else")
        for value in (True, False):
            edit = self._replace(
                node.test, Operator.FORCE_CONDITION, str(value), str(value).lower()
            )
            yield dataclasses.replace(edit, node_line=node.lineno, node_col=node.col_offset)

    def _is_elif(self, orelse: list[ast.stmt]) -> bool:
        first = orelse[0]
        if len(orelse) != 1 or not isinstance(first, ast.If):
            return False
        return self.text.lines[first.lineno - 1].encode()[first.col_offset :].startswith(b"elif")

    def _drop(self, node: ast.If, body: list[ast.stmt], suffix: str) -> _Edit:
        first, last = body[0], body[-1]
        return _Edit(
            Operator.DROP_BRANCH,
            node.lineno,
            node.col_offset,
            (first.lineno, first.col_offset),
            _end(last),
            "pass",
            suffix,
        )

    def _case_fold(self, node: ast.Call) -> Iterator[_Edit]:
        func = node.func
        if isinstance(func, ast.Attribute) and func.attr in _CASE_FOLDS and not node.args:
            edit = self._replace(
                node, Operator.DROP_CASE_FOLD, f"({self.text.segment(func.value)})"
            )
            # Chained calls (`s.strip().lower()`) all start at `s`: the id points at the name.
            end_line, end_col = _end(func)
            at = end_col - len(func.attr.encode())
            yield dataclasses.replace(edit, node_line=end_line, node_col=at)

    def _early_returns(
        self, node: ast.FunctionDef | ast.AsyncFunctionDef, in_class: bool
    ) -> Iterator[_Edit]:
        """``return`` before the first statement: the function does nothing useful."""
        params = [*node.args.posonlyargs, *node.args.args, *node.args.kwonlyargs]
        if in_class and params and not _is_static(node):
            params = params[1:]  # self or cls
        values = {"none": "None"}
        if params:
            name = params[0].arg
            values |= {"param": name, "empty": f"type({name})()"}
        first = node.body[0]
        indent = self.text.lines[first.lineno - 1].encode()[: first.col_offset]
        for suffix, value in values.items():
            # A body on the def's own line (`def f(x): return x`) takes `return …; ` instead.
            tail = f"\n{indent.decode()}" if not indent.strip() else "; "
            yield _Edit(
                Operator.EARLY_RETURN,
                node.lineno,
                node.col_offset,
                (first.lineno, first.col_offset),
                (first.lineno, first.col_offset),
                f"return {value}{tail}",
                suffix,
            )


def _is_main_guard(test: ast.expr) -> bool:
    return (
        isinstance(test, ast.Compare)
        and isinstance(test.left, ast.Name)
        and test.left.id == "__name__"
    )


def _is_static(node: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    return any(isinstance(d, ast.Name) and d.id == "staticmethod" for d in node.decorator_list)


def _is_text(node: ast.expr, texts: frozenset[str]) -> bool:
    """Whether an expression is plainly text: a str literal, a str method's result, text
    joined with +, or a local name only ever given such values (see ``_text_names``)."""
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str)
    if isinstance(node, ast.JoinedStr):
        return True
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        return node.func.attr in _TEXT_METHODS or (
            isinstance(node.func.value, ast.Constant) and isinstance(node.func.value.value, str)
        )
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
        return node.func.id == "str"
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return _is_text(node.left, texts) or _is_text(node.right, texts)
    if isinstance(node, ast.BoolOp):
        return all(_is_text(value, texts) for value in node.values)
    return isinstance(node, ast.Name) and node.id in texts


def _text_names(function: ast.FunctionDef | ast.AsyncFunctionDef) -> frozenset[str]:
    """Names in a function that hold text: parameters annotated ``str``, and locals every
    assignment of which is plainly text. Enough to see ``host == domain`` compares text."""
    texts = {
        arg.arg
        for arg in [*function.args.posonlyargs, *function.args.args, *function.args.kwonlyargs]
        if isinstance(arg.annotation, ast.Name) and arg.annotation.id == "str"
    }
    assigned: dict[str, list[ast.expr]] = {}
    looped: set[str] = set()  # a loop variable is an element of what it loops over: unknown
    for node in ast.walk(function):
        if isinstance(node, ast.Assign | ast.AnnAssign) and node.value is not None:
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                if isinstance(target, ast.Name):
                    assigned.setdefault(target.id, []).append(node.value)
        elif isinstance(node, ast.For | ast.comprehension) and isinstance(node.target, ast.Name):
            looped.add(node.target.id)
    # Two passes let `b = a.strip(); c = b` see that c is text too.
    for _ in range(2):
        known = frozenset(texts)
        texts |= {
            name
            for name, values in assigned.items()
            if name not in looped and all(_is_text(v, known) for v in values)
        }
    return frozenset(texts)
