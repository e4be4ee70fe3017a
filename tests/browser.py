"""Headless Debian Chromium for the browser tests, and axe-core's serious findings.

`playwright install` downloads browsers and cannot work here; Playwright drives the
chromium the README's test command installs. Outside CI a test without it skips.
"""

from __future__ import annotations

import os
import shutil

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
SERIOUS = {"serious", "critical"}


def require(*tools: str) -> None:
    """Skip (fail in CI) unless chromium and ``tools`` are installed."""
    missing = [t for t in (CHROMIUM, *tools) if shutil.which(t) is None]
    if missing:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{missing} missing: the README's test command installs them")
        pytest.skip(f"{missing} not installed (the README's test command installs them)")


def launch(playwright):
    return playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)


def serious_violations(page) -> list[str]:
    """axe-core's serious and critical WCAG findings on the page as it stands."""
    from axe_playwright_python.sync_playwright import Axe

    return [
        f"{page.url}: {v['id']} {v['help']} {[n['target'] for n in v['nodes']][:3]}"
        for v in Axe().run(page).response["violations"]
        if v["impact"] in SERIOUS
    ]
