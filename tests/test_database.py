"""Migrations match the models; expired launch state is purged; sessions expire."""

from __future__ import annotations

import datetime as dt

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from lti_tool import migrations
from lti_tool.db import transaction
from lti_tool.models import Base, ConsumedNonce, Launch, LoginState, utcnow


def test_migrations_match_models(app):
    engine = app.extensions["skillcert.engine"]
    assert migrations.current_revision(engine) == migrations.head_revision(engine)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []


def test_purge_deletes_only_expired_state(lms, app, runner):
    lms.launch()
    lms.login(lms.spec())  # a login still in flight
    with transaction(app) as session:
        session.query(Launch).update({"expires_at": utcnow() - dt.timedelta(seconds=1)})
        session.query(ConsumedNonce).update({"expires_at": utcnow() - dt.timedelta(seconds=1)})
    result = runner.invoke(args=["db", "purge"])
    assert result.exit_code == 0, result.output
    assert "launch: 1" in result.output and "consumed_nonce: 1" in result.output
    assert "login_state: 0" in result.output
    with transaction(app) as session:
        assert session.query(LoginState).count() == 1
        assert session.query(Launch).count() == 0


def test_expired_session_is_refused(lms, app):
    lms.launch()
    assert lms.session_info().status_code == 200
    with transaction(app) as session:
        session.query(Launch).update({"expires_at": utcnow() - dt.timedelta(seconds=1)})
    assert lms.session_info().status_code == 401
    assert lms.client.get("/learn/").status_code == 401


def test_failed_launch_logs_the_reference_shown(lms, caplog):
    response = lms.launch(claims={"aud": "nobody"})
    reference = response.get_data(as_text=True).split("Reference: <code>")[1].split("<")[0]
    logged = [r.getMessage() for r in caplog.records if f"ref={reference}" in r.getMessage()]
    assert logged and "not registered" in logged[0]
    assert "eyJ" not in " ".join(r.getMessage() for r in caplog.records)  # no tokens in logs
