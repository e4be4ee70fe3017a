"""Digital Bazaar's credential verifier (tests/verifier, npm), run as an independent check.

Needs Node.js and ``npm ci --prefix tests/verifier`` (the README's test command runs both);
outside CI a test asking for the ``node`` fixture skips with the reason when either is
missing.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

VERIFIER = Path(__file__).parent / "verifier"
NODE = shutil.which("node")


@pytest.fixture(scope="module")
def node() -> str:
    missing = ""
    if NODE is None:
        missing = "node is not installed (apt-get install nodejs npm)"
    elif not (VERIFIER / "node_modules" / "@digitalbazaar" / "vc").is_dir():
        missing = "the verifier's packages are missing (npm ci --prefix tests/verifier)"
    if missing:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{missing}: the README's test command installs them")
        pytest.skip(missing)
    return NODE


def independent_verdict(node: str, document: dict, *args: str) -> dict:
    result = subprocess.run(
        [node, str(VERIFIER / "verify.mjs"), "-", *args],
        input=json.dumps(document),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode in (0, 1), result.stderr
    verdict = json.loads(result.stdout)
    assert result.returncode == (0 if verdict["verified"] else 1)
    return verdict
