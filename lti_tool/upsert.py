"""INSERT … ON CONFLICT DO UPDATE … RETURNING id, on SQLite and PostgreSQL alike.

Concurrent launches of the same user and course (several tabs) race to create the same
rows; an upsert lets every one of them succeed without a retry loop.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session


def upsert_returning_id(
    session: Session,
    model: Any,
    values: Mapping[str, Any],
    conflict: Iterable[str],
    update: Iterable[str],
) -> int:
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    statement = dialect.insert(model).values(**values)
    statement = statement.on_conflict_do_update(
        index_elements=list(conflict),
        set_={name: statement.excluded[name] for name in update},
    ).returning(model.id)
    return session.execute(statement).scalar_one()
