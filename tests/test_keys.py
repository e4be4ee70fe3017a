"""Tool keys (JWKS, rotation with overlap) and platform keys (cache, refetch on new kid)."""

from __future__ import annotations

import datetime as dt

from lti_tool.db import transaction
from lti_tool.lti import keys
from lti_tool.models import AuditEntry, ToolKey, utcnow


def published_kids(client) -> list[str]:
    response = client.get("/lti/jwks.json")
    assert response.status_code == 200
    body = response.get_json()
    for key in body["keys"]:
        assert set(key) == {"kty", "n", "e", "kid", "alg", "use"}  # nothing private
    return [key["kid"] for key in body["keys"]]


def test_jwks_publishes_the_first_key(runner, client):
    result = runner.invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    kids = published_kids(client)
    assert len(kids) == 1


def test_rotate_keeps_old_key_published_during_overlap_and_launches_work(runner, client, lms, app):
    runner.invoke(args=["db", "upgrade"])
    [old] = published_kids(client)
    result = runner.invoke(args=["keys", "rotate", "--overlap-days", "7"])
    assert result.exit_code == 0, result.output
    assert "-----BEGIN" not in result.output
    kids = published_kids(client)
    assert len(kids) == 2 and old in kids and kids[0] != old  # newest first: it signs
    with transaction(app) as session:
        assert keys.ensure_key(session).kid == kids[0]
        [entry] = session.query(AuditEntry).filter_by(action="key.rotate").all()
        assert (entry.actor, entry.target) == ("cli", f"tool key {kids[0]}")
        assert entry.details == {"overlap_days": 7}

    assert lms.launch().status_code == 302  # launches keep working during the overlap

    # After the overlap the old key leaves the JWKS, and the next rotation deletes it.
    with transaction(app) as session:
        session.query(ToolKey).filter_by(kid=old).update(
            {"retire_after": utcnow() - dt.timedelta(seconds=1)}
        )
    assert old not in published_kids(client)
    runner.invoke(args=["keys", "rotate"])
    with transaction(app) as session:
        assert session.query(ToolKey).filter_by(kid=old).count() == 0
    listing = runner.invoke(args=["keys", "list"])
    assert "PRIVATE" not in listing.output and len(listing.output.strip().splitlines()) == 2


def test_platform_key_rotation_is_picked_up_on_unknown_kid(lms, simulated_lms):
    assert lms.launch().status_code == 302
    fetches = simulated_lms.jwks_requests
    assert lms.launch().status_code == 302
    assert simulated_lms.jwks_requests == fetches  # cached
    simulated_lms.rotate_key()
    try:
        assert lms.launch().status_code == 302  # unknown kid: fetched again
        assert simulated_lms.jwks_requests == fetches + 1
    finally:
        simulated_lms.rotate_key(keep_old=False)


def test_platform_keys_unreachable_gives_clear_error(app, client, simulated_lms):
    from tests.conftest import LmsDriver

    lms = LmsDriver(app, client, simulated_lms)
    registration = lms.register()
    with transaction(app) as session:
        row = session.get(type(registration), registration.id)
        row.key_set_url = "http://127.0.0.1:9/jwks.json"  # nothing listens on the discard port
    response = lms.launch()
    assert response.status_code == 502
    assert "SkillCert could not reach the LMS" in response.get_data(as_text=True)
    assert lms.session_info().status_code == 401


def test_made_up_kids_trigger_at_most_one_refetch(lms, simulated_lms):
    assert lms.launch().status_code == 302
    fetches = simulated_lms.jwks_requests
    for n in range(3):
        assert lms.launch(header={"kid": f"made-up-{n}"}).status_code == 400
    assert simulated_lms.jwks_requests == fetches + 1


def test_key_set_redirect_is_followed(app, client, simulated_lms):
    from tests.conftest import LmsDriver

    lms = LmsDriver(app, client, simulated_lms)
    registration = lms.register()
    with transaction(app) as session:
        row = session.get(type(registration), registration.id)
        row.key_set_url = simulated_lms.url + "/moved/jwks.json"
    assert lms.launch().status_code == 302
