"""Operator accounts: the one-time setup link, passwords (argon2id), TOTP, recovery codes,
and console sessions.

Nothing here trusts the caller to have checked anything: sign-in checks the password and
the code together and says only "wrong", whichever was wrong.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from lti_tool import keyring
from lti_tool.models import Operator, OperatorRecoveryCode, OperatorSession, utcnow
from lti_tool.settings import Settings

#: How long the link printed by ``skillcert operator add`` works.
INVITE_LIFETIME = dt.timedelta(hours=24)
MIN_PASSWORD_LENGTH = 12
RECOVERY_CODES = 10
#: The issuer shown in authenticator apps.
TOTP_ISSUER = "SkillCert operator console"

_hasher = PasswordHasher()
#: Hashed once so that an unknown email costs the same time as a wrong password.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


class AccountError(ValueError):
    """Why an account could not be set up; the message is for the person setting it up."""


def _sha256(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def normalise_email(email: str) -> str:
    email = email.strip().lower()
    local, _, domain = email.partition("@")
    if not local or "." not in domain or len(email) > 320 or any(c.isspace() for c in email):
        raise AccountError(f"{email!r} is not an email address.")
    return email


def invite(session: Session, email: str) -> tuple[Operator, str]:
    """Create an operator (or reset one) and return the token of their one-time setup link.

    Resetting clears the password, the TOTP secret and the recovery codes, and ends the
    account's sessions: the link sets all of them up again.
    """
    email = normalise_email(email)
    token = secrets.token_urlsafe(32)
    operator = session.scalar(select(Operator).where(Operator.email == email))
    if operator is None:
        operator = Operator(email=email)
        session.add(operator)
        session.flush()
    else:
        session.execute(
            delete(OperatorRecoveryCode).where(OperatorRecoveryCode.operator_id == operator.id)
        )
        session.execute(delete(OperatorSession).where(OperatorSession.operator_id == operator.id))
    operator.password_hash = None
    operator.totp_secret_encrypted = None
    operator.activated_at = None
    operator.last_totp_step = None
    operator.is_active = True
    operator.invite_token_hash = _sha256(token)
    operator.invite_expires_at = utcnow() + INVITE_LIFETIME
    return operator, token


def invited_operator(session: Session, token: str) -> Operator | None:
    """The operator whose unexpired setup link this is."""
    operator = session.scalar(select(Operator).where(Operator.invite_token_hash == _sha256(token)))
    if (
        operator is None
        or not operator.is_active
        or operator.invite_expires_at is None
        or operator.invite_expires_at < utcnow()
    ):
        return None
    return operator


def new_totp_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(operator: Operator, secret: str) -> str:
    """The otpauth:// URI an authenticator app reads from a QR code."""
    return pyotp.TOTP(secret).provisioning_uri(name=operator.email, issuer_name=TOTP_ISSUER)


def activate(
    session: Session,
    settings: Settings,
    operator: Operator,
    *,
    password: str,
    totp_secret: str,
    code: str,
) -> list[str]:
    """Finish setting up an invited account; returns its recovery codes (shown once).

    Raises AccountError when the password is too short or the code does not match the
    secret the person was shown.
    """
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"The password needs at least {MIN_PASSWORD_LENGTH} characters.")
    step = _matching_step(totp_secret, code, after=None)
    if step is None:
        raise AccountError("The code does not match: check the authenticator app's clock.")
    operator.password_hash = _hasher.hash(password)
    operator.totp_secret_encrypted = keyring.load(settings).encrypt(totp_secret)
    operator.last_totp_step = step
    operator.activated_at = utcnow()
    operator.invite_token_hash = None
    operator.invite_expires_at = None
    return new_recovery_codes(session, operator)


def new_recovery_codes(session: Session, operator: Operator) -> list[str]:
    """Replace an operator's recovery codes with fresh ones; returns them in clear, once."""
    session.execute(
        delete(OperatorRecoveryCode).where(OperatorRecoveryCode.operator_id == operator.id)
    )
    codes = [f"{secrets.token_hex(4)}-{secrets.token_hex(4)}" for _ in range(RECOVERY_CODES)]
    session.add_all(
        OperatorRecoveryCode(operator_id=operator.id, code_hash=_hasher.hash(code))
        for code in codes
    )
    return codes


def authenticate(
    session: Session, settings: Settings, email: str, password: str, code: str
) -> Operator | None:
    """The operator these credentials belong to, or None.

    ``code`` is a TOTP code (each accepted once) or an unused recovery code (used up).
    """
    try:
        email = normalise_email(email)
    except AccountError:
        email = ""
    operator = session.scalar(select(Operator).where(Operator.email == email)) if email else None
    stored = operator.password_hash if operator is not None else None
    if not _password_matches(stored or _DUMMY_HASH, password) or stored is None:
        return None
    if operator is None or not operator.is_active or operator.totp_secret_encrypted is None:
        return None
    if not _second_factor(session, settings, operator, operator.totp_secret_encrypted, code):
        return None
    operator.last_login_at = utcnow()
    if _hasher.check_needs_rehash(stored):
        operator.password_hash = _hasher.hash(password)
    return operator


def _password_matches(stored: str, password: str) -> bool:
    try:
        return _hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


def _second_factor(
    session: Session, settings: Settings, operator: Operator, totp_secret: str, code: str
) -> bool:
    code = code.strip()
    if code.isdigit() and len(code) == 6:
        secret = keyring.load(settings).decrypt(totp_secret)
        step = _matching_step(secret, code, after=operator.last_totp_step)
        if step is None:
            return False
        operator.last_totp_step = step
        return True
    for recovery in session.scalars(
        select(OperatorRecoveryCode).where(
            OperatorRecoveryCode.operator_id == operator.id,
            OperatorRecoveryCode.used_at.is_(None),
        )
    ):
        if _password_matches(recovery.code_hash, code.lower()):
            recovery.used_at = utcnow()
            return True
    return False


def _matching_step(secret: str, code: str, *, after: int | None) -> int | None:
    """The 30-second time step (now, or one either side for clock drift) whose code this
    is, if later than ``after``: a code is accepted once."""
    totp = pyotp.TOTP(secret)
    now_step = int(utcnow().timestamp()) // totp.interval
    for step in (now_step - 1, now_step, now_step + 1):
        if (after is None or step > after) and secrets.compare_digest(
            totp.at(step * totp.interval), code
        ):
            return step
    return None


def start_session(session: Session, settings: Settings, operator: Operator) -> str:
    """A new console session; returns the token for the browser's cookie."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    session.add(
        OperatorSession(
            id=_sha256(token),
            operator_id=operator.id,
            created_at=now,
            last_seen_at=now,
            expires_at=now + dt.timedelta(hours=settings.operator_session_hours),
        )
    )
    return token


def session_operator(session: Session, settings: Settings, token: str) -> Operator | None:
    """The operator of a live session, which this marks as seen; None once it has expired
    (absolute or idle), been ended, or its operator was switched off."""
    if not token:
        return None
    row = session.get(OperatorSession, _sha256(token))
    now = utcnow()
    idle_limit = dt.timedelta(minutes=settings.operator_idle_minutes)
    if row is None or row.expires_at <= now or row.last_seen_at + idle_limit <= now:
        return None
    operator = session.get(Operator, row.operator_id)
    if operator is None or not operator.is_active:
        return None
    row.last_seen_at = now
    return operator


def end_session(session: Session, token: str) -> None:
    session.execute(delete(OperatorSession).where(OperatorSession.id == _sha256(token)))
