"""Database engine and the one session a request, CLI command or worker uses.

Views never commit: the request commits once when it succeeded (status < 400) and rolls
back otherwise, so a failed launch leaves nothing behind.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from flask import Flask, current_app, g
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

from lti_tool.settings import Settings


def make_engine(settings: Settings) -> Engine:
    url = settings.database_url
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    if not url.startswith("sqlite"):
        return create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=10)
    engine = create_engine(url, connect_args={"timeout": 30})

    @event.listens_for(engine, "connect")
    def _sqlite_pragmas(dbapi_connection, _record) -> None:
        # Let SQLAlchemy's "begin" event own the transaction start (see below).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _sqlite_begin_immediate(conn) -> None:
        # Take the write lock up front: a deferred transaction that reads and then writes
        # fails at once with "database is locked" when another writer got there first,
        # whatever the busy timeout; an immediate one waits its turn.
        conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def init_app(app: Flask) -> None:
    engine = make_engine(app.config["SETTINGS"])
    app.extensions["skillcert.db"] = sessionmaker(engine, expire_on_commit=False)
    app.extensions["skillcert.engine"] = engine
    app.after_request(_commit_if_successful)
    app.teardown_appcontext(_close_session)


def get_session() -> Session:
    """The session of the current request (or app context), opened on first use."""
    if "db_session" not in g:
        g.db_session = current_app.extensions["skillcert.db"]()
    return g.db_session


@contextlib.contextmanager
def transaction(app: Flask) -> Iterator[Session]:
    """A session outside any request (CLI, worker): commit on success, roll back on error."""
    with app.extensions["skillcert.db"]() as session, session.begin():
        yield session


def _commit_if_successful(response):
    session: Session | None = g.get("db_session")
    if session is not None:
        if response.status_code < 400:
            session.commit()
        else:
            session.rollback()
    return response


def _close_session(_exc: BaseException | None) -> None:
    session: Session | None = g.pop("db_session", None)
    if session is not None:
        session.close()
