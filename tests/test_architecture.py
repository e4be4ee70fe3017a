"""The code's shape, checked: import rules, small modules, simple functions.

docs/architecture.md explains the rules; ``.importlinter`` writes the import rules down.
"""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from radon.complexity import cc_rank, cc_visit
from radon.visitors import Class, Function

ROOT = Path(__file__).resolve().parent.parent
#: Track folders are content (starters, generators, wrong solutions), checked by the lab tests.
PRODUCTION = [
    path
    for package in ("lti_tool", "assessments")
    for path in sorted((ROOT / package).rglob("*.py"))
    if "tracks" not in path.relative_to(ROOT).parts
]
MAX_MODULE_LINES = 450
#: Modules that may read Flask's ``request`` or ``g``: pages, and the plumbing that holds
#: per-request state (the database connection, the launch session, the locale, CSRF,
#: security headers, rate limits).
REQUEST_READERS = (
    "lti_tool/app.py",
    "lti_tool/views/",
    "lti_tool/demo_lms/",
    "lti_tool/db.py",
    "lti_tool/sessions.py",
    "lti_tool/i18n/__init__.py",
    "lti_tool/csrf.py",
    "lti_tool/security.py",
    "lti_tool/ratelimit.py",
)


def _name(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def test_the_import_contracts_hold():
    """``.importlinter``: the engine stands alone, layers, no package cycles, pylti1p3 only
    in the protocol layer, the launch session only in pages and web plumbing."""
    lint_imports = shutil.which("lint-imports", path=str(Path(sys.executable).parent))
    assert lint_imports, "import-linter is a test dependency: pip install -e '.[test]'"
    run = subprocess.run(
        [lint_imports, "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
    assert "0 broken" in run.stdout


def test_only_pages_and_web_plumbing_read_the_request():
    readers = []
    for path in PRODUCTION:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = {alias.name for alias in getattr(node, "names", ())}
            if (
                isinstance(node, ast.ImportFrom)
                and node.module == "flask"
                and names & {"request", "g"}
            ):
                readers.append(_name(path))
    assert readers, "the scan found no page at all: is PRODUCTION empty?"
    outside = [name for name in readers if not name.startswith(REQUEST_READERS)]
    assert outside == [], "services take a scope (lti_tool/scope.py), not the request"


@pytest.mark.parametrize("path", PRODUCTION, ids=_name)
def test_no_module_is_over_450_lines(path: Path):
    lines = len(path.read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_MODULE_LINES, f"{_name(path)}: {lines} lines; split it by job"


def test_no_function_is_complexity_grade_d_without_a_reason():
    """Radon grade D or worse (complexity over 20) needs ``# complexity: <why>`` on the
    line right above its ``def``."""
    tangled = []
    for path in PRODUCTION:
        source = path.read_text(encoding="utf-8")
        lines = source.splitlines()
        for block in _functions(cc_visit(source)):
            if cc_rank(block.complexity) in "ABC":
                continue
            above = lines[block.lineno - 2].strip() if block.lineno > 1 else ""
            if not above.startswith("# complexity:"):
                tangled.append(f"{_name(path)}:{block.lineno} {block.fullname} {block.complexity}")
    assert tangled == []


def _functions(blocks: list[Function | Class]) -> list[Function]:
    """Functions, methods and the functions inside them."""
    found: list[Function] = []
    for block in blocks:
        if isinstance(block, Class):
            found.extend(_functions(block.methods))
        else:
            found.append(block)
            found.extend(_functions(block.closures))
    return found
