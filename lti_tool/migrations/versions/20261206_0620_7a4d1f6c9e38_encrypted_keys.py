"""encrypted_keys: private keys at rest, encrypted with the key-encryption key

``tool_key.private_key_pem`` and ``issuer_key.private_key_pem`` become
``private_key_encrypted``, and every stored PEM is encrypted with the KEK
(``lti_tool.keyring``) in the same migration: from this revision on the code reads
encrypted keys only. Upgrading a database that holds keys writes the KEK file into the
instance folder when ``SKILLCERT_KEY_ENCRYPTION_KEY`` is empty. The downgrade decrypts
them again (it needs the KEK).

Revision ID: 7a4d1f6c9e38
Revises: 6f3c9e5b8d27
Create Date: 2026-12-06 06:20:00
"""

import sqlalchemy as sa
from alembic import op

from lti_tool import keyring
from lti_tool.db import settings_of

revision = "7a4d1f6c9e38"
down_revision = "6f3c9e5b8d27"
branch_labels = None
depends_on = None

TABLES = ("tool_key", "issuer_key")
OLD, NEW = "private_key_pem", "private_key_encrypted"


def upgrade() -> None:
    _rename(OLD, NEW)
    rows = _stored_keys()
    plain = [row for row in rows if row[2].lstrip().startswith(keyring.PEM_START)]
    if not plain:
        return
    sealed = [row for row in rows if row not in plain]
    # A KEK file is made only if no key is encrypted yet; else it must open those keys.
    ring = keyring.load(settings_of(op.get_bind()), create=not sealed)
    for _table, _id, value in sealed[:1]:
        ring.decrypt(value)
    for table, key_id, value in plain:
        _store(table, key_id, ring.encrypt(value))


def downgrade() -> None:
    rows = _stored_keys()
    sealed = [row for row in rows if not row[2].lstrip().startswith(keyring.PEM_START)]
    if sealed:
        ring = keyring.load(settings_of(op.get_bind()))
        for table, key_id, value in sealed:
            _store(table, key_id, ring.decrypt(value))
    _rename(NEW, OLD)


def _rename(old: str, new: str) -> None:
    for name in TABLES:
        with op.batch_alter_table(name) as batch:
            batch.alter_column(
                old, new_column_name=new, existing_type=sa.Text(), existing_nullable=False
            )


def _table(name: str) -> sa.TableClause:
    return sa.table(name, sa.column("id", sa.Integer), sa.column(NEW, sa.Text))


def _stored_keys() -> list[tuple[str, int, str]]:
    """(table, id, stored private key) of every key row."""
    bind = op.get_bind()
    rows = []
    for name in TABLES:
        table = _table(name)
        for key_id, value in bind.execute(sa.select(table.c.id, table.c[NEW])):
            rows.append((name, key_id, value))
    return rows


def _store(name: str, key_id: int, value: str) -> None:
    table = _table(name)
    op.get_bind().execute(sa.update(table).where(table.c.id == key_id).values({NEW: value}))
