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
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from lti_tool import keyring
from lti_tool.db import rowcount
from lti_tool.lti.keys import ring_for_new_key
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
    """Why an account could not be set up; the message is for the person setting it up
    (worded in the request's language, in English outside a request)."""


def _sha256(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def normalise_email(email: str) -> str:
    email = email.strip().lower()
    local, _, domain = email.partition("@")
    if not local or "." not in domain or len(email) > 320 or any(c.isspace() for c in email):
        raise AccountError(_l("“%(email)s” is not an email address.", email=email))
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


def find_operator(session: Session, email: str) -> Operator | None:
    """The account of this email address (any letter case), if there is one."""
    try:
        email = normalise_email(email)
    except AccountError:
        return None
    return session.scalar(select(Operator).where(Operator.email == email))


def disable(session: Session, operator: Operator) -> None:
    """Switch an account off: its sessions end and it cannot sign in or use its setup link
    (``invite`` switches it on again, with a new link)."""
    operator.is_active = False
    operator.invite_token_hash = None
    operator.invite_expires_at = None
    session.execute(delete(OperatorSession).where(OperatorSession.operator_id == operator.id))


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


def setup_secret(session: Session, operator: Operator) -> str:
    """The TOTP secret an invited operator's setup page shows, made on the first visit.

    It is kept encrypted on the operator's row until activation, never in the browser: the
    page's form cannot choose its own secret, and reloading the page after scanning the QR
    code shows the same one. It signs nobody in: an account without a password cannot.
    """
    ring = ring_for_new_key(session)
    if operator.totp_secret_encrypted is None:
        operator.totp_secret_encrypted = ring.encrypt(new_totp_secret())
    return ring.decrypt(operator.totp_secret_encrypted)


def provisioning_uri(operator: Operator, secret: str) -> str:
    """The otpauth:// URI an authenticator app reads from a QR code."""
    return pyotp.TOTP(secret).provisioning_uri(name=operator.email, issuer_name=TOTP_ISSUER)


def activate(
    session: Session,
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
        raise AccountError(
            _l("The password needs at least %(num)d characters.", num=MIN_PASSWORD_LENGTH)
        )
    step = _matching_step(totp_secret, code.strip(), after=None)
    if step is None:
        raise AccountError(
            _l(
                "The code does not match: enter the code the app shows now, and check that "
                "the phone's clock is right."
            )
        )
    operator.password_hash = _hasher.hash(password)
    # The private keys' KEK (the first secret makes it on a new installation), which
    # `skillcert keys reencrypt` rotates for both.
    operator.totp_secret_encrypted = ring_for_new_key(session).encrypt(totp_secret)
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
    # 80 random bits each: beyond any offline search, so a plain SHA-256 keeps them (as it
    # keeps the session and setup tokens) and a code is found by its hash, instead of
    # running argon2 over every unused code at each sign-in.
    codes = [f"{secrets.token_hex(5)}-{secrets.token_hex(5)}" for _ in range(RECOVERY_CODES)]
    session.add_all(
        OperatorRecoveryCode(operator_id=operator.id, code_hash=_sha256(code)) for code in codes
    )
    return codes


def authenticate(
    session: Session, settings: Settings, email: str, password: str, code: str
) -> Operator | None:
    """The operator these credentials belong to, or None.

    ``code`` is a TOTP code (each accepted once) or an unused recovery code (used up).
    """
    operator = find_operator(session, email)
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
        return step is not None and _claim_step(session, operator, step)
    recovery = session.scalar(
        select(OperatorRecoveryCode).where(
            OperatorRecoveryCode.operator_id == operator.id,
            OperatorRecoveryCode.code_hash == _sha256(code.lower()),
            OperatorRecoveryCode.used_at.is_(None),
        )
    )
    return recovery is not None and _use_up(session, recovery)


# Two sign-ins racing with one code both pass the checks above on the rows they read; the
# guarded UPDATEs below let one of them have it (on PostgreSQL the second waits for the
# first's row lock, then finds the condition false).


def _claim_step(session: Session, operator: Operator, step: int) -> bool:
    claimed = rowcount(
        session.execute(
            update(Operator)
            .where(
                Operator.id == operator.id,
                or_(Operator.last_totp_step.is_(None), Operator.last_totp_step < step),
            )
            .values(last_totp_step=step)
            .execution_options(synchronize_session=False)
        )
    )
    if claimed:
        set_committed_value(operator, "last_totp_step", step)
    return claimed == 1


def _use_up(session: Session, recovery: OperatorRecoveryCode) -> bool:
    now = utcnow()
    used = rowcount(
        session.execute(
            update(OperatorRecoveryCode)
            .where(OperatorRecoveryCode.id == recovery.id, OperatorRecoveryCode.used_at.is_(None))
            .values(used_at=now)
            .execution_options(synchronize_session=False)
        )
    )
    if used:
        set_committed_value(recovery, "used_at", now)
    return used == 1


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
