"""Database engine, and the one connection and transaction a request uses.

A request gets a connection on first use (:func:`get_connection`); views that want ORM
objects get a session bound to that same connection and transaction (:func:`get_session`).
Views never commit: the request commits once when it succeeded (status < 400) and rolls
back otherwise, so a failed launch leaves nothing behind.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from flask import Flask, Response, current_app, g, has_app_context, has_request_context, request
from sqlalchemy import Connection, CursorResult, Engine, Result, create_engine, event, make_url
from sqlalchemy.orm import Session, sessionmaker

from lti_tool.private_files import make_private
from lti_tool.settings import Settings

#: Execution option: False for views marked @read_only, so SQLite need not lock.
WRITES = "skillcert_writes"
#: Execution option of every engine: the settings it was made from (:func:`settings_of`).
SETTINGS = "skillcert_settings"
#: The files SQLite keeps beside a database, all as secret as the database itself.
SQLITE_SIDE_FILES = ("-wal", "-shm", "-journal")


def make_engine(settings: Settings) -> Engine:
    url = settings.database_url
    options = {SETTINGS: settings}
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    if not url.startswith("sqlite"):
        return create_engine(
            url, pool_pre_ping=True, pool_size=5, max_overflow=10, execution_options=options
        )
    private_sqlite_files(url)
    engine = create_engine(url, connect_args={"timeout": 30}, execution_options=options)

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
    def _sqlite_begin(conn: Connection) -> None:
        # A transaction that may write takes the write lock up front: a deferred one that
        # reads and then writes fails at once with "database is locked" when another
        # writer got there first, whatever the busy timeout; an immediate one waits its
        # turn. Views marked @read_only begin deferred, so they never queue behind writers.
        writes = conn.get_execution_options().get(WRITES, True)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if writes else "BEGIN")

    return engine


def private_sqlite_files(url: str) -> None:
    """Create the database file 0600 before SQLite does (its -wal, -shm and -journal files
    take the database's mode), or take others' permissions away from existing ones."""
    database = make_url(url).database
    if not database or database == ":memory:" or database.startswith("file:"):
        return
    path = Path(database)
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        for name in (path, *(Path(f"{path}{suffix}") for suffix in SQLITE_SIDE_FILES)):
            make_private(name)
    except OSError:
        pass  # no such folder, or not ours: SQLite says so when it connects


def settings_of(bind: Session | Connection | Engine | None) -> Settings:
    """The settings of the engine a session or connection works on (else of the app)."""
    if isinstance(bind, Session):
        bind = bind.get_bind()
    settings = bind.get_execution_options().get(SETTINGS) if bind is not None else None
    if settings is None and has_app_context():
        settings = current_app.config["SETTINGS"]
    if not isinstance(settings, Settings):
        raise RuntimeError("No SkillCert settings: use an engine made by lti_tool.db.make_engine.")
    return settings


def init_app(app: Flask) -> None:
    settings: Settings = app.config["SETTINGS"]
    # The instance folder holds the secret key, the KEK file and the SQLite database.
    make_private(Path(settings.instance_path), folder=True)
    engine = make_engine(settings)
    app.extensions["skillcert.engine"] = engine
    app.extensions["skillcert.db"] = sessionmaker(engine, expire_on_commit=False)
    app.after_request(_commit_if_successful)
    app.teardown_appcontext(_close)


def read_only(view: Callable[..., Any]) -> Callable[..., Any]:
    """Mark a view that never writes, so SQLite begins its transaction without the write lock.

    Not every GET is read-only: the LTI login is a GET that stores the login state.
    """
    view.read_only = True  # type: ignore[attr-defined]
    return view


def get_connection() -> Connection:
    """The current request's connection; its transaction begins on first use."""
    if "db_connection" not in g:
        conn = current_app.extensions["skillcert.engine"].connect()
        if has_request_context() and _view_is_read_only():
            conn = conn.execution_options(**{WRITES: False})
        g.db_connection = conn
    return g.db_connection


def _view_is_read_only() -> bool:
    view = current_app.view_functions.get(request.endpoint or "")
    return getattr(view, "read_only", False)


def get_session() -> Session:
    """An ORM session in the request's transaction, for views that work with models."""
    if "db_session" not in g:
        g.db_session = Session(bind=get_connection(), expire_on_commit=False)
    return g.db_session


def rollback() -> None:
    """Undo what the request did so far; later statements start a new transaction."""
    session: Session | None = g.get("db_session")
    if session is not None:
        session.rollback()
    conn: Connection | None = g.get("db_connection")
    if conn is not None:
        conn.rollback()


@contextlib.contextmanager
def transaction(app: Flask) -> Iterator[Session]:
    """A session outside any request (CLI, worker): commit on success, roll back on error."""
    with app.extensions["skillcert.db"]() as session, session.begin():
        yield session


def rowcount(result: Result[*tuple[Any, ...]]) -> int:
    """How many rows an UPDATE or DELETE matched.

    ``Session.execute`` is typed to return a plain ``Result``, which has no row count; for
    these statements it is a ``CursorResult``, which does.
    """
    if not isinstance(result, CursorResult):
        raise TypeError(f"{type(result).__name__} has no row count; was the statement DML?")
    return result.rowcount


def _commit_if_successful(response: Response) -> Response:
    conn: Connection | None = g.get("db_connection")
    if conn is None:
        return response
    session: Session | None = g.get("db_session")
    if response.status_code < 400:
        if session is not None:
            session.flush()
        conn.commit()
    else:
        rollback()
    return response


def _close(_exc: BaseException | None) -> None:
    session: Session | None = g.pop("db_session", None)
    if session is not None:
        session.close()
    conn: Connection | None = g.pop("db_connection", None)
    if conn is not None:
        conn.close()
