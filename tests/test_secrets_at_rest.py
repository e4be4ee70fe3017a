"""Secrets at rest: private files and folders, private keys encrypted with the KEK.

Issue 15, finding 2: the SQLite database (with its -wal/-shm files) and the instance
folder were world-readable, and the database held the tool's RSA keys and the issuer's
Ed25519 keys in plain text.
"""

from __future__ import annotations

import logging
import os
import shutil
from pathlib import Path

import jwt
import pytest
import sqlalchemy as sa
from alembic import command
from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import text

from lti_tool import keyring, migrations
from lti_tool.app import create_app
from lti_tool.cli import prepare_database
from lti_tool.credentials import keys as issuer_keys
from lti_tool.db import transaction
from lti_tool.errors import SettingsError
from lti_tool.lti import keys as tool_keys
from tests.conftest import BASE_URL

BEFORE = "6f3c9e5b8d27"  # the revision before private keys were encrypted
TABLES = ("tool_key", "issuer_key")


def mode(path: Path) -> int:
    return path.stat().st_mode & 0o777


@pytest.fixture
def umask_022():
    """The usual umask, under which files are world-readable unless made otherwise."""
    old = os.umask(0o022)
    yield
    os.umask(old)


def stored_keys(app, table: str) -> list[str]:
    rows = sa.table(table, sa.column("id"), sa.column("private_key_encrypted"))
    query = sa.select(rows.c.private_key_encrypted).order_by(rows.c.id)
    with app.extensions["skillcert.engine"].connect() as conn:
        return list(conn.execute(query).scalars())


def make_keys(app) -> None:
    """The tool's first RSA key (as `skillcert db upgrade` makes it) and an issuer key."""
    prepare_database(app)
    with transaction(app) as session:
        issuer_keys.signing_key(session)


def sign_and_verify(app, client) -> None:
    """Both kinds of key still sign, and what they sign verifies with the public halves."""
    with transaction(app) as session:
        tool_key = tool_keys.ensure_key(session)
        token = jwt.encode({"sub": "x"}, tool_keys.signing_jwk(tool_key).key, "RS256")
        issuer_key = issuer_keys.signing_key(session)
        private = issuer_keys.private_key(issuer_key)
        multibase = issuer_key.public_key_multibase
    jwks = jwt.PyJWKSet.from_dict(client.get("/lti/jwks.json").get_json())
    assert jwt.decode(token, jwks[tool_key.kid].key, algorithms=["RS256"]) == {"sub": "x"}
    issuer_keys.public_key(multibase).verify(private.sign(b"m"), b"m")


# -- files and folders --------------------------------------------------------------------


def test_instance_folder_database_and_key_files_are_private(tmp_path, umask_022):
    """A first start with every default: the instance folder 0700; the database, its WAL
    and shared-memory files, the secret key and the KEK 0600, after writes too."""
    instance = tmp_path / "instance"
    app = create_app({"testing": True, "instance_path": str(instance), "base_url": BASE_URL})
    try:
        assert mode(instance) == 0o700
        assert mode(instance / "secret_key") == 0o600
        database = instance / "skillcert.db"
        assert mode(database) == 0o600  # created before SQLite opened it
        make_keys(app)
        with app.extensions["skillcert.engine"].connect() as conn:  # WAL files exist while open
            conn.execute(text("UPDATE tool_key SET retire_after = NULL"))
            conn.commit()
            side_files = [Path(f"{database}{suffix}") for suffix in ("-wal", "-shm")]
            assert all(path.exists() for path in side_files)
            for path in [database, *side_files, instance / "key_encryption_key"]:
                assert mode(path) == 0o600, path
        assert mode(instance) == 0o700
    finally:
        app.extensions["skillcert.engine"].dispose()


def test_an_existing_world_readable_database_is_made_private_at_start(
    tmp_path, sqlite_template, umask_022, caplog
):
    instance = tmp_path / "instance"
    instance.mkdir(mode=0o755)
    instance.chmod(0o755)
    database = instance / "skillcert.db"
    shutil.copy(sqlite_template, database)
    files = [database, *(Path(f"{database}{s}") for s in ("-wal", "-shm", "-journal"))]
    for path in files:
        path.touch()
        path.chmod(0o644)
    (instance / "secret_key").write_text("an-old-secret-key")
    (instance / "secret_key").chmod(0o644)
    caplog.set_level(logging.WARNING)
    app = create_app({"testing": True, "instance_path": str(instance), "base_url": BASE_URL})
    app.extensions["skillcert.engine"].dispose()
    assert mode(instance) == 0o700
    for path in [*files, instance / "secret_key"]:
        assert mode(path) == 0o600, path
    assert "was readable by other users" in caplog.text  # the operator learns of it


# -- private keys encrypted -----------------------------------------------------------------


def test_private_keys_are_stored_encrypted_with_the_kek_file(app, client):
    make_keys(app)
    kek_file = Path(app.config["SETTINGS"].instance_path) / "key_encryption_key"
    assert mode(kek_file) == 0o600
    fernet = Fernet(kek_file.read_bytes().strip())
    for table in TABLES:
        [value] = stored_keys(app, table)
        assert "PRIVATE KEY" not in value and "-----BEGIN" not in value
        assert fernet.decrypt(value.encode()).startswith(b"-----BEGIN PRIVATE KEY-----")
    sign_and_verify(app, client)


def test_the_kek_setting_is_used_and_no_kek_file_is_written(make_app):
    kek = Fernet.generate_key().decode()
    app = make_app(key_encryption_key=kek)
    try:
        make_keys(app)
        assert not (Path(app.config["SETTINGS"].instance_path) / "key_encryption_key").exists()
        for table in TABLES:
            Fernet(kek.encode()).decrypt(stored_keys(app, table)[0].encode())
        sign_and_verify(app, app.test_client())
        assert kek not in repr(app.config["SETTINGS"])
    finally:
        app.extensions["skillcert.engine"].dispose()


def test_a_wrong_kek_is_refused_clearly_and_never_replaced(make_app):
    first = make_app()
    make_keys(first)
    first.extensions["skillcert.engine"].dispose()
    wrong = make_app(key_encryption_key=Fernet.generate_key().decode())
    try:
        with transaction(wrong) as session, pytest.raises(SettingsError) as error:
            tool_keys.signing_jwk(tool_keys.ensure_key(session))
        assert "does not decrypt the private keys" in error.value.message
        assert "SKILLCERT_KEY_ENCRYPTION_KEY" in error.value.message
        assert "Lost key-encryption key" in str(error.value.advice)
        # A rotation must not add a key encrypted with a KEK the others do not open.
        result = wrong.test_cli_runner().invoke(args=["keys", "rotate"])
        assert result.exit_code != 0
        assert len(stored_keys(wrong, "tool_key")) == 1
    finally:
        wrong.extensions["skillcert.engine"].dispose()


def test_a_missing_kek_file_is_an_error_not_a_new_kek(app):
    make_keys(app)
    kek_file = Path(app.config["SETTINGS"].instance_path) / "key_encryption_key"
    kek_file.unlink()
    with transaction(app) as session, pytest.raises(SettingsError, match="no key-encryption key"):
        issuer_keys.private_key(issuer_keys.signing_key(session))
    with (
        pytest.raises(SettingsError, match="no key-encryption key"),
        transaction(app) as session,
    ):
        issuer_keys.rotate(session)
    assert not kek_file.exists()
    assert len(stored_keys(app, "issuer_key")) == 1


def test_a_plaintext_key_is_refused_after_the_migration(app):
    make_keys(app)
    pem = (
        rsa.generate_private_key(public_exponent=65537, key_size=2048)
        .private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        .decode()
    )
    with app.extensions["skillcert.engine"].begin() as conn:
        conn.execute(text("UPDATE tool_key SET private_key_encrypted = :pem"), {"pem": pem})
    with transaction(app) as session, pytest.raises(SettingsError, match="plain text"):
        tool_keys.signing_jwk(tool_keys.ensure_key(session))


def test_the_migration_encrypts_existing_keys_and_the_downgrade_decrypts(app, client):
    """A database from before: plaintext keys in private_key_pem. The upgrade encrypts them
    (writing the KEK file); the same keys sign afterwards."""
    engine = app.extensions["skillcert.engine"]
    config = migrations.alembic_config(engine)
    command.downgrade(config, BEFORE)
    try:
        rsa_pem = _pem(rsa.generate_private_key(public_exponent=65537, key_size=2048))
        ed_pem = _pem(Ed25519PrivateKey.generate())
        with engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO tool_key (kid, private_key_pem, public_jwk, created_at) "
                    "VALUES ('k1', :pem, '{}', CURRENT_TIMESTAMP)"
                ),
                {"pem": rsa_pem},
            )
            conn.execute(
                text(
                    "INSERT INTO issuer_key (public_key_multibase, private_key_pem, created_at) "
                    "VALUES ('z1', :pem, CURRENT_TIMESTAMP)"
                ),
                {"pem": ed_pem},
            )
        kek_file = Path(app.config["SETTINGS"].instance_path) / "key_encryption_key"
        assert not kek_file.exists()
        command.upgrade(config, "head")
        assert mode(kek_file) == 0o600
        ring = keyring.load(app.config["SETTINGS"])
        [tool_value], [issuer_value] = stored_keys(app, "tool_key"), stored_keys(app, "issuer_key")
        assert "PRIVATE" not in tool_value + issuer_value
        assert ring.decrypt(tool_value) == rsa_pem and ring.decrypt(issuer_value) == ed_pem
        command.downgrade(config, BEFORE)
        with engine.connect() as conn:
            plain = conn.execute(text("SELECT private_key_pem FROM tool_key")).scalar_one()
        assert plain == rsa_pem
    finally:
        command.upgrade(config, "head")


def _pem(private: rsa.RSAPrivateKey | Ed25519PrivateKey) -> str:
    return private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


# -- rotating the KEK ------------------------------------------------------------------------


def test_reencrypt_rotates_the_kek_file(app, client, caplog):
    caplog.set_level(logging.DEBUG)
    make_keys(app)
    kek_file = Path(app.config["SETTINGS"].instance_path) / "key_encryption_key"
    old = kek_file.read_text()
    result = app.test_cli_runner().invoke(args=["keys", "reencrypt"])
    assert result.exit_code == 0, result.output
    new = kek_file.read_text()
    assert new != old and mode(kek_file) == 0o600
    assert str(kek_file) in result.output and "Restart" in result.output
    assert "Re-encrypted 2 private key(s)" in result.output
    assert not kek_file.with_name("key_encryption_key.new").exists()
    for table in TABLES:
        [value] = stored_keys(app, table)
        Fernet(new.encode()).decrypt(value.encode())
        with pytest.raises(InvalidToken):
            Fernet(old.encode()).decrypt(value.encode())
    sign_and_verify(app, client)
    for secret in (old.strip(), new.strip(), "PRIVATE KEY"):
        assert secret not in result.output and secret not in caplog.text


def test_reencrypt_from_the_setting_to_a_new_key_file(make_app, tmp_path):
    current, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    app = make_app(key_encryption_key=current)
    try:
        make_keys(app)
        new_file = tmp_path / "new.kek"
        new_file.write_text(new + "\n")
        result = app.test_cli_runner().invoke(
            args=["keys", "reencrypt", "--new-key-file", str(new_file)]
        )
        assert result.exit_code == 0, result.output
        assert (
            "Set SKILLCERT_KEY_ENCRYPTION_KEY" in result.output and str(new_file) in result.output
        )
        assert new not in result.output and current not in result.output
        for table in TABLES:
            Fernet(new.encode()).decrypt(stored_keys(app, table)[0].encode())
    finally:
        app.extensions["skillcert.engine"].dispose()


def test_reencrypt_with_a_wrong_current_kek_changes_nothing(make_app, tmp_path):
    first = make_app()
    make_keys(first)
    before = {table: stored_keys(first, table) for table in TABLES}
    kek_file = Path(first.config["SETTINGS"].instance_path) / "key_encryption_key"
    kek = kek_file.read_text()
    first.extensions["skillcert.engine"].dispose()
    wrong = make_app(key_encryption_key=Fernet.generate_key().decode())
    try:
        result = wrong.test_cli_runner().invoke(args=["keys", "reencrypt"])
        assert result.exit_code == 1
        assert "does not decrypt the private keys" in result.output
        assert "Nothing was changed" in result.output
        assert {table: stored_keys(wrong, table) for table in TABLES} == before
        assert kek_file.read_text() == kek
        assert not kek_file.with_name("key_encryption_key.new").exists()
        bad = tmp_path / "bad.kek"
        bad.write_text("not-a-key")
        result = wrong.test_cli_runner().invoke(
            args=["keys", "reencrypt", "--new-key-file", str(bad)]
        )
        assert result.exit_code == 1 and "is not valid" in result.output
    finally:
        wrong.extensions["skillcert.engine"].dispose()


def test_a_key_ring_never_shows_its_key():
    ring = keyring.from_text(Fernet.generate_key().decode(), "SKILLCERT_KEY_ENCRYPTION_KEY")
    assert ring.kek.decode() not in repr(ring) and ring.kek.decode() not in str(ring)


def test_replace_lost_gives_new_keys_and_keeps_issued_credentials_verifiable(app, client):
    make_keys(app)
    runner = app.test_cli_runner()
    refused = runner.invoke(args=["keys", "replace-lost", "--yes"])
    assert refused.exit_code == 1 and "it is not lost" in refused.output
    with transaction(app) as session:
        old_kid = tool_keys.ensure_key(session).kid
        old_issuer = issuer_keys.signing_key(session).public_key_multibase
    kek_file = Path(app.config["SETTINGS"].instance_path) / "key_encryption_key"
    kek_file.unlink()  # lost
    unconfirmed = runner.invoke(args=["keys", "replace-lost"])
    assert unconfirmed.exit_code == 1 and "--yes" in unconfirmed.output
    result = runner.invoke(args=["keys", "replace-lost", "--yes"])
    assert result.exit_code == 0, result.output
    assert str(kek_file) in result.output and mode(kek_file) == 0o600
    sign_and_verify(app, client)
    kids = [key["kid"] for key in client.get("/lti/jwks.json").get_json()["keys"]]
    assert old_kid not in kids and len(kids) == 1
    with transaction(app) as session:
        published = [key.public_key_multibase for key in issuer_keys.published_keys(session)]
        assert old_issuer in published  # what it signed still verifies
        assert issuer_keys.signing_key(session).public_key_multibase != old_issuer
