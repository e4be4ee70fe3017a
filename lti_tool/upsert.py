"""INSERT … ON CONFLICT DO UPDATE … RETURNING id (and ON CONFLICT DO NOTHING: insert once),
on SQLite and PostgreSQL alike.

Concurrent launches of the same user and course (several tabs) race to create the same
rows; an upsert lets every one of them succeed without a retry loop. Statements are built
once per table and dialect (see lti_tool/lti/statements.py for why).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, Table
from sqlalchemy.dialects import postgresql, sqlite


@functools.cache
def _statement(dialect: str, table: Table, conflict: tuple[str, ...], update: tuple[str, ...]):
    insert = (postgresql if dialect == "postgresql" else sqlite).insert(table)
    return insert.on_conflict_do_update(
        index_elements=list(conflict),
        set_={name: insert.excluded[name] for name in update},
    ).returning(table.c.id)


def upsert_returning_id(
    conn: Connection,
    table: Table,
    values: Mapping[str, Any],
    conflict: Sequence[str],
    update: Sequence[str],
) -> int:
    statement = _statement(conn.dialect.name, table, tuple(conflict), tuple(update))
    return conn.execute(statement, values).scalar_one()


@functools.cache
def _once_statement(dialect: str, table: Table, conflict: tuple[str, ...]):
    insert = (postgresql if dialect == "postgresql" else sqlite).insert(table)
    return insert.on_conflict_do_nothing(index_elements=list(conflict)).returning(
        *(table.c[name] for name in conflict)
    )


def insert_once(
    conn: Connection, table: Table, values: Mapping[str, Any], conflict: Sequence[str]
) -> bool:
    """Insert ``values`` unless a row with the same ``conflict`` columns exists; True when
    this call inserted it. An insert of the same key in a concurrent transaction waits
    for that one to end, and inserts nothing if it committed."""
    statement = _once_statement(conn.dialect.name, table, tuple(conflict))
    return conn.execute(statement, values).first() is not None
