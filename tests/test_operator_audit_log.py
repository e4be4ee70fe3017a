"""The console's audit log page: newest first, 50 a page, filtered by action, escaped."""

from __future__ import annotations

import re

from lti_tool.db import transaction
from lti_tool.operations import audit
from tests.operator_console import sign_in


def _entries(page: str) -> list[str]:
    """The targets listed, in order."""
    return re.findall(r'<td class="operator-code"><code>(target \d+)</code></td>', page)


def test_newest_first_a_page_at_a_time_and_filtered_by_action(app):
    with transaction(app) as session:
        for n in range(60):
            action = "key.rotate" if n % 3 == 0 else "deployment.enable"
            audit.record(session, action, actor=audit.CLI, target=f"target {n}", n=n)
        audit.record(
            session, "registration.add", actor=audit.LMS, target="<b>bold</b>", name="<i>x</i>"
        )
    console = app.test_client()
    sign_in(console, app)
    first = console.get("/operator/audit").get_data(as_text=True)
    assert "Entries: 61 (page 1 of 2)" in first
    assert "&lt;b&gt;bold&lt;/b&gt;" in first and "<b>bold" not in first
    assert "name: &lt;i&gt;x&lt;/i&gt;" in first
    assert _entries(first) == [f"target {n}" for n in range(59, 10, -1)]
    assert 'href="/operator/audit?page=2"' in first
    second = console.get("/operator/audit?page=2").get_data(as_text=True)
    assert _entries(second) == [f"target {n}" for n in range(10, -1, -1)]

    rotations = console.get("/operator/audit?action=key.rotate").get_data(as_text=True)
    assert _entries(rotations) == [f"target {n}" for n in range(57, -1, -3)]
    assert "Entries: 20 (page 1 of 1)" in rotations
    assert '<option value="key.rotate" selected>' in rotations
    nothing = console.get("/operator/audit?action=no.such").get_data(as_text=True)
    assert "No entry has this action." in nothing
    assert console.get("/operator/audit?page=0").status_code == 404
    assert console.get("/operator/audit?page=x").status_code == 404
