"""`skillcert keys …`: the tool's LTI signing keys, and the key that encrypts private keys."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from flask_babel import force_locale
from sqlalchemy.orm import Session

from lti_tool import keyring
from lti_tool.cli.common import fail
from lti_tool.credentials import keys as issuer_keys
from lti_tool.db import transaction
from lti_tool.errors import SettingsError
from lti_tool.lti import keys as tool_keys
from lti_tool.operations import audit
from lti_tool.private_files import private_file_text
from lti_tool.settings import Settings

keys_cli = click.Group("keys", help="The tool's signing keys.")


@keys_cli.command("rotate")
@click.option("--overlap-days", type=int, default=None, help="Days the old key stays published.")
@with_appcontext
def keys_rotate(overlap_days: int | None) -> None:
    """Add a new signing key; keep the previous one published for the overlap period."""
    days = current_app.config["SETTINGS"].key_overlap_days if overlap_days is None else overlap_days
    if days < 0:
        fail("--overlap-days must not be negative.")
    with transaction(current_app) as session:
        key = tool_keys.rotate(session, dt.timedelta(days=days))
        audit.record(
            session, "key.rotate", actor=audit.CLI, target=f"tool key {key.kid}", overlap_days=days
        )
        click.echo(f"New signing key {key.kid}; previous keys stay published for {days} day(s).")


@keys_cli.command("list")
@with_appcontext
def keys_list() -> None:
    """List published keys (kid and retirement date; never private material)."""
    with transaction(current_app) as session:
        for key in tool_keys.published_keys(session):
            retire = key.retire_after.isoformat() if key.retire_after else "signing"
            click.echo(f"{key.kid}\t{key.created_at:%Y-%m-%d}\t{retire}")


NEW_KEY_FILE = click.option(
    "--new-key-file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A file holding the new key-encryption key (default: a new random one).",
)


@keys_cli.command("reencrypt")
@NEW_KEY_FILE
@with_appcontext
def keys_reencrypt(new_key_file: Path | None) -> None:
    """Rotate the key-encryption key: re-encrypt every private key (the tool's and the
    issuer's) with a new one, in one transaction."""
    settings = current_app.config["SETTINGS"]
    try:
        current = keyring.load(settings)
    except SettingsError as exc:
        fail(_worded(exc))
    new = _new_ring(new_key_file)
    if new.kek == current.kek:
        fail("The new key-encryption key is the current one: give another, or none for a new one.")
    count = _with_new_kek(new, new_key_file, lambda s: tool_keys.reencrypt(s, current, new))
    click.echo(f"Re-encrypted {count} private key(s) with the new key-encryption key.")
    _next_steps(new_key_file)


@keys_cli.command("replace-lost")
@NEW_KEY_FILE
@click.option(
    "--yes", is_flag=True, help="Confirm that the stored private keys are to be replaced."
)
@with_appcontext
def keys_replace_lost(new_key_file: Path | None, yes: bool) -> None:
    """After the key-encryption key is lost: new private keys under a new one.

    The tool's keys are replaced (LMSs reading /lti/jwks.json fetch the new one); the
    issuer's keys stay published, so credentials they signed keep verifying, and a new
    issuer key signs from now on.
    """
    if not _kek_is_lost(current_app.config["SETTINGS"]):
        fail(
            "The key-encryption key decrypts the stored keys: it is not lost. Nothing was changed."
        )
    if not yes:
        fail("This replaces every private key that can no longer be read: run it with --yes.")
    new = _new_ring(new_key_file)
    _with_new_kek(new, new_key_file, lambda s: issuer_keys.replace_lost(s, new))
    click.echo(
        "Replaced the tool's signing key and added a new issuer key, under a new "
        "key-encryption key. LMSs that were given the tool's public key by hand (not its "
        "key set URL) need the new one: see `skillcert keys list` and /lti/jwks.json."
    )
    _next_steps(new_key_file)


def _kek_is_lost(settings: Settings) -> bool:
    with transaction(current_app) as session:
        stored = tool_keys.any_stored_private_key(session)
    if stored is None:
        return False
    try:
        keyring.load(settings).decrypt(stored)
    except SettingsError:
        return True
    return False


def _new_ring(new_key_file: Path | None) -> keyring.KeyRing:
    try:
        text = new_key_file.read_text(encoding="ascii") if new_key_file else keyring.new_kek()
        return keyring.from_text(text, str(new_key_file or "the new key"))
    except (SettingsError, OSError, UnicodeError) as exc:
        fail(_worded(exc))


def _staged(settings: Settings) -> Path:
    kek_path = keyring.kek_file(settings)
    return kek_path.with_name(kek_path.name + ".new")


def _with_new_kek(
    new: keyring.KeyRing, new_key_file: Path | None, change: Callable[[Session], int]
) -> int:
    """Run ``change`` in one transaction; the new KEK is on disk (0600) before it commits.

    With the KEK in the instance folder, the new one goes to ``key_encryption_key.new``
    and replaces the file once the transaction committed. With the setting, a generated
    KEK goes to that ``.new`` file for the operator to move into the setting.
    """
    settings = current_app.config["SETTINGS"]
    staged = _staged(settings)
    if staged.exists():
        fail(
            f"{staged} exists: an earlier run did not finish. If the keys do not decrypt "
            "with the current key-encryption key, they use the key in that file: make it the "
            "current one. Else delete it, then run this again."
        )
    from_file = not settings.key_encryption_key
    write = from_file or new_key_file is None
    body_done = False
    try:
        with transaction(current_app) as session:
            result = change(session)
            if write:
                private_file_text(staged, new.kek.decode("ascii"))
            body_done = True
    except SettingsError as exc:  # raised before anything was written
        fail(f"{_worded(exc)} Nothing was changed.")
    except Exception:
        if write and not body_done:
            staged.unlink(missing_ok=True)  # rolled back: the keys still use the current KEK
        elif write:
            click.echo(f"The commit failed: if the keys do not decrypt, use {staged}.", err=True)
        raise
    if from_file:
        staged.replace(keyring.kek_file(settings))
    return result


def _next_steps(new_key_file: Path | None) -> None:
    """Where the new KEK is and what the operator does next."""
    settings = current_app.config["SETTINGS"]
    keep_old = (
        "Keep the old key for as long as you keep database backups made before now: they "
        "need it to be restored."
    )
    if not settings.key_encryption_key:
        click.echo(
            f"The new key-encryption key is in {keyring.kek_file(settings)} (0600). Restart "
            f"SkillCert's web and worker processes, and replace any other copy of the old key "
            f"with the new one. {keep_old}"
        )
        return
    where = new_key_file or _staged(settings)
    click.echo(
        f"The new key-encryption key is in {where}. Set SKILLCERT_KEY_ENCRYPTION_KEY to its "
        "contents wherever SkillCert runs (web and worker) and restart them: until then they "
        f"cannot sign. Then delete that file. {keep_old}"
    )


def _worded(exc: Exception) -> str:
    """An error's message and advice, in English (the command line's language)."""
    if not isinstance(exc, SettingsError):
        return f"Cannot read the new key-encryption key: {exc}."
    with force_locale("en"):
        return f"{exc.message} {exc.advice}"
