"""The engine imports neither Flask nor SQLAlchemy, directly or through anything it imports."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import assessments

SCRIPT = """
import importlib, sys
for name in sys.argv[1:]:
    importlib.import_module(name)
leaked = sorted(m for m in sys.modules if m.split(".")[0] in ("flask", "sqlalchemy"))
print(",".join(leaked))
"""


def test_no_web_framework_or_orm_is_imported() -> None:
    modules = [m.name for m in pkgutil.walk_packages(assessments.__path__, "assessments.")]
    assert "assessments.loader" in modules and "assessments.items.numeric" in modules
    run = subprocess.run(
        [sys.executable, "-c", SCRIPT, *modules], capture_output=True, text=True, check=True
    )
    assert run.stdout.strip() == ""
