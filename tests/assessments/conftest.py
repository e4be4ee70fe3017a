"""Fixtures for the engine: the sample track, the track loaded from it, copies to break."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from assessments.labs.sandbox import sandbox_status

SAMPLE_DIR = Path(__file__).parent / "sample_track"
#: A specialisation of the sample track (``extends: sample``); a sibling, as extends needs.
SPECIALISATION_DIR = Path(__file__).parent / "sample_specialisation"


@pytest.fixture(scope="session")
def sandbox_ready() -> None:
    """Skip where bubblewrap is missing (never in CI, which installs it); fail if the
    sandbox is installed but cannot run."""
    if shutil.which("bwrap") is None and os.environ.get("CI") != "true":
        pytest.skip("bubblewrap is not installed (apt-get install -y bubblewrap)")
    ok, reason = sandbox_status(check_lab_env=False)
    assert ok, reason


@pytest.fixture
def broken(tmp_path: Path) -> Path:
    """A copy of the sample track in which ``plant`` edits files."""
    target = tmp_path / "tracks" / "sample_track"
    shutil.copytree(SAMPLE_DIR, target)
    return target


def plant(folder: Path, relative: str, old: str, new: str) -> int:
    """Replace ``old`` once in a file and return the (1-based) line where the edit landed."""
    path = folder / relative
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} must occur once in {relative}"
    path.write_text(text.replace(old, new), encoding="utf-8")
    return text[: text.index(old)].count("\n") + 1
