"""Typed settings: defaults < TOML config file (``SKILLCERT_CONFIG``) < ``SKILLCERT_*`` environment.

Every setting is a field of :class:`Settings` with its default and a ``#:`` comment.
The loaded object is frozen; :func:`load_settings` validates it, so a bad value stops
start-up with one message that names the setting.
"""

from __future__ import annotations

import dataclasses
import importlib.resources
import logging
import os
import secrets
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from flask import current_app

from lti_tool.errors import SettingsError
from lti_tool.host_names import (
    is_loopback_host,
    parse_auto_approve_hosts,
    parse_outbound_allowed_hosts,
)
from lti_tool.private_files import private_file_text

log = logging.getLogger(__name__)

ENV_PREFIX = "SKILLCERT_"
#: Languages the UI ships in; the first is the language the source strings are written in.
SUPPORTED_LOCALES = ("en", "es")
#: The tracks that ship with SkillCert: found beside the engine, without importing it.
SHIPPED_TRACKS_DIR = Path(str(importlib.resources.files("assessments") / "tracks"))


@dataclasses.dataclass(frozen=True)
class Settings:
    #: SQLAlchemy URL of the database. Empty: a SQLite file in the instance folder.
    database_url: str = ""
    #: Public URL of this tool as the LMS sees it; https, except http on localhost for trials.
    base_url: str = "http://localhost:5000"
    #: Signs session cookies. Empty: generated once and kept in the instance folder.
    secret_key: str = ""
    #: Folder for the SQLite database, the generated secret key and other local state.
    instance_path: str = ""
    #: Folder of track folders to serve. Empty: the tracks that ship with SkillCert.
    content_path: str = ""
    #: Mount the built-in demo LMS at /demo-lms (``skillcert serve --demo`` turns it on).
    demo: bool = False
    #: How long a launch session lasts without a new launch from the LMS.
    session_lifetime_minutes: int = 480
    #: How long a login may take between /lti/login and /lti/launch.
    launch_state_seconds: int = 600
    #: Clock skew allowed when checking an id_token's exp and iat.
    jwt_leeway_seconds: int = 60
    #: Largest id_token accepted, in bytes.
    max_id_token_bytes: int = 65536
    #: How long a platform's key set is cached (an unknown kid fetches it again sooner).
    jwks_cache_seconds: int = 300
    #: Timeout for every call to an LMS, in seconds.
    http_timeout_seconds: float = 5.0
    #: Largest response read from an LMS, in bytes.
    http_max_response_bytes: int = 1_000_000
    #: Days a rotated-out tool key stays published so platforms' caches catch up.
    key_overlap_days: int = 14
    #: Logins plus launches allowed per client address per clock minute (0 turns the limit
    #: off). 600: a whole school of 300 behind one NAT address launching in the same
    #: minute (login + launch each); a PD morning spreads over several, so there is room
    #: for reloads. A flood gets at most this many a minute.
    rate_limit_per_minute: int = 600
    #: The same in each ten-second window (0 turns it off). 150: a classroom of 40 behind
    #: one address launching at once (80 requests) with room for reloads, second tabs and
    #: the cookie-less hand-off; a flood is stopped within its first 150 requests.
    rate_limit_burst: int = 150
    #: Redis shared by every process and host for rate limits (empty: each process counts
    #: alone), like redis://127.0.0.1:6379/0.
    redis_url: str = ""
    #: Reverse proxies in front of the tool whose X-Forwarded-* headers are trusted.
    trusted_proxy_count: int = 0
    #: Hosts of an on-premises LMS that outbound calls may reach at private addresses:
    #: comma-separated host names, addresses or networks (10.20.0.0/16).
    outbound_allowed_hosts: str = ""
    #: Encrypts the private signing keys at rest (a Fernet key). Empty: generated on first
    #: start into the instance folder (0600). Never logged, never shown.
    key_encryption_key: str = dataclasses.field(default="", repr=False)
    #: Address gunicorn binds to for ``skillcert serve``.
    bind: str = "127.0.0.1:8000"
    #: Gunicorn worker processes for ``skillcert serve``.
    workers: int = 2
    #: Jobs one ``skillcert worker`` runs at once (grade deliveries; lab grading runs alone).
    worker_concurrency: int = 8
    #: Grade deliveries running at once to one LMS registration, across all workers.
    gradesync_per_platform: int = 4
    #: A grade delivery whose worker sent no heartbeat this long is re-queued (it died).
    gradesync_stall_seconds: int = 60
    #: Days a finished background job is kept (``skillcert db purge``); a learner's newest
    #: grade delivery stays whatever its age: it says their score reached the LMS.
    job_retention_days: int = 30
    #: Days kept after submission, by kind (``skillcert privacy purge``; 0 keeps them):
    #: attempts and lab submissions, project files, lab outputs (logs and results shown to
    #: learners), and the access log of who looked at learners' work.
    retention_attempt_days: int = 0
    retention_project_file_days: int = 0
    retention_lab_output_days: int = 0
    retention_access_log_days: int = 0
    #: Python logging level.
    log_level: str = "INFO"
    #: Log lines on stderr: "json" (for a log shipper) or "text"; empty: text for the demo.
    log_format: str = ""
    #: Turns on /metrics (Prometheus) for scrapers that send ``Authorization: Bearer``
    #: this token. Empty: no /metrics. Never logged, never shown.
    metrics_token: str = dataclasses.field(default="", repr=False)
    #: The organisation named as issuer in the credentials the tool signs (OB 3.0 Profile name).
    issuer_name: str = "SkillCert"
    #: UI language when neither the launch nor the browser names a supported one (en, es).
    default_locale: str = "en"
    #: Mail server for credential expiry reminders. Empty: reminders show on pages only.
    smtp_host: str = ""
    #: Its port: 587 with STARTTLS (the default), 25 on a trusted relay.
    smtp_port: int = 587
    #: The sender address of reminders (needed when ``smtp_host`` is set).
    smtp_from: str = ""
    #: Upgrade the connection with STARTTLS before logging in or sending.
    smtp_starttls: bool = True
    #: Login for the mail server; empty: no login.
    smtp_username: str = ""
    #: Its password. Never logged, never shown (left out of the settings' repr).
    smtp_password: str = dataclasses.field(default="", repr=False)
    #: LMS hosts whose Dynamic Registrations are approved without an operator:
    #: comma-separated host names, ``*.example.edu`` for its subdomains. Empty: an
    #: operator approves each one (console or ``skillcert platform approve``).
    dynamic_registration_auto_approve: str = ""
    #: An operator console session ends after this long idle, and after
    #: ``operator_session_hours`` whatever happens.
    operator_idle_minutes: int = 30
    operator_session_hours: int = 12
    #: Failed operator sign-ins allowed per address and per account in 15 minutes.
    operator_login_attempts: int = 5
    #: Set by tests only.
    testing: bool = False

    @property
    def is_local_http(self) -> bool:
        """True when the tool runs on plain http on this machine (demo, tests, a first try)."""
        parts = urlsplit(self.base_url)
        return parts.scheme == "http" and is_loopback_host(parts.hostname or "")

    @property
    def allows_http_loopback_platforms(self) -> bool:
        """Platforms on this machine over plain http: the demo LMS and the tests' LMS only."""
        return self.is_local_http or self.testing

    @property
    def tracks_dir(self) -> Path:
        return Path(self.content_path) if self.content_path else SHIPPED_TRACKS_DIR

    @property
    def sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    def url_for(self, path: str) -> str:
        """Absolute public URL of a path on this tool."""
        return self.base_url.rstrip("/") + path


FIELDS = {f.name: f for f in dataclasses.fields(Settings)}

#: What a value of each setting type may be (an int is a float setting's value too).
_ACCEPTED: dict[str, type | tuple[type, ...]] = {
    "bool": bool,
    "int": int,
    "float": (int, float),
    "str": str,
}


def load_settings(
    overrides: Mapping[str, Any] | None = None,
    environ: Mapping[str, str] | None = None,
    default_instance_path: str | os.PathLike[str] = "instance",
) -> Settings:
    """Merge defaults < config file < environment < ``overrides`` and validate the result."""
    environ = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    config_file = environ.get(ENV_PREFIX + "CONFIG")
    if config_file:
        values.update(_read_config_file(Path(config_file)))
    for name in FIELDS:
        raw = environ.get(ENV_PREFIX + name.upper())
        if raw is not None:
            values[name] = _parse(name, raw)
    for name, value in (overrides or {}).items():
        if name not in FIELDS:
            raise SettingsError(f"Unknown setting {name!r}.")
        values[name] = value
    values.setdefault("instance_path", str(default_instance_path))
    for name, value in values.items():
        _check_type(name, value)
    settings = Settings(**values)
    return _complete(settings)


def _read_config_file(path: Path) -> dict[str, Any]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise SettingsError(f"SKILLCERT_CONFIG: cannot read {path}: {exc.strerror}.") from exc
    except tomllib.TOMLDecodeError as exc:
        raise SettingsError(f"SKILLCERT_CONFIG: {path} is not valid TOML: {exc}.") from exc
    known = {}
    for name, value in data.items():
        if name in FIELDS:
            known[name] = value
        else:
            log.warning("Ignoring unknown setting %r in %s", name, path)
    return known


def _type_name(name: str) -> str:
    # Annotations are postponed (``from __future__ import annotations``), so a field's type
    # is its annotation's text: "bool", "int", "float" or "str".
    return str(FIELDS[name].type)


def _parse(name: str, raw: str) -> Any:
    env_name = ENV_PREFIX + name.upper()
    type_name = _type_name(name)
    if type_name == "bool":
        lowered = raw.strip().lower()
        if lowered in {"1", "true", "yes", "on"}:
            return True
        if lowered in {"0", "false", "no", "off", ""}:
            return False
        raise SettingsError(f"{env_name} must be true or false, not {raw!r}.")
    if type_name in {"int", "float"}:
        try:
            return int(raw) if type_name == "int" else float(raw)
        except ValueError:
            raise SettingsError(f"{env_name} must be a number, not {raw!r}.") from None
    return raw


def _check_type(name: str, value: Any) -> None:
    type_name = _type_name(name)
    expected = _ACCEPTED[type_name]
    if not isinstance(value, expected) or (expected is int and isinstance(value, bool)):
        raise SettingsError(f"Setting {name} must be of type {type_name}, not {value!r}.")


def _complete(settings: Settings) -> Settings:
    """Fill the generated defaults and check what the types alone cannot."""
    instance = Path(settings.instance_path).resolve()
    changes: dict[str, Any] = {"instance_path": str(instance)}
    if not settings.database_url:
        changes["database_url"] = f"sqlite:///{instance / 'skillcert.db'}"
    if not settings.secret_key:
        changes["secret_key"] = _stored_secret_key(instance)
    settings = dataclasses.replace(settings, **changes)
    _check_places(settings)
    if settings.demo:  # the demo serves its own tracks too (assessments/demo_tracks/README.md)
        from assessments.catalog import with_demo_tracks

        demo_tracks = with_demo_tracks(settings.tracks_dir, instance / "demo-tracks")
        settings = dataclasses.replace(settings, content_path=str(demo_tracks))
    _check_numbers(settings)
    _check_words(settings)
    _check_smtp(settings)
    _check_outbound(settings)
    _check_auto_approve(settings)
    return settings


def _check_auto_approve(settings: Settings) -> None:
    try:
        parse_auto_approve_hosts(settings.dynamic_registration_auto_approve)
    except ValueError as exc:
        raise SettingsError(
            f"Setting dynamic_registration_auto_approve: {str(exc)!r} is not a host name. Give "
            "the LMS hosts whose registrations need no operator, like canvas.school.edu or "
            "*.school.edu, separated by commas (no https://, port or path)."
        ) from None


def _check_outbound(settings: Settings) -> None:
    try:
        parse_outbound_allowed_hosts(settings.outbound_allowed_hosts)
    except ValueError as exc:
        raise SettingsError(
            f"Setting outbound_allowed_hosts: {str(exc)!r} is not a host name, an address or "
            "a network. Give entries like lms.school.internal, 10.20.0.5 or 10.20.0.0/16, "
            "separated by commas (no https://, port or path)."
        ) from None


def _check_places(settings: Settings) -> None:
    """The tool's public URL, its content folder and its database."""
    base = urlsplit(settings.base_url)
    if base.scheme not in {"http", "https"} or not base.hostname or base.query or base.fragment:
        raise SettingsError(
            "SKILLCERT_BASE_URL must be the tool's public URL, like "
            f"https://skillcert.example.edu, not {settings.base_url!r}."
        )
    if base.scheme == "http" and not settings.is_local_http:
        raise SettingsError(
            "SKILLCERT_BASE_URL must use https (LMSs launch tools only over TLS); "
            "plain http is allowed only for localhost."
        )
    if settings.content_path and not Path(settings.content_path).is_dir():
        raise SettingsError(f"SKILLCERT_CONTENT_PATH {settings.content_path!r} is not a folder.")
    if not settings.database_url.startswith(("sqlite", "postgresql")):
        raise SettingsError("SKILLCERT_DATABASE_URL must be a sqlite:/// or postgresql:// URL.")


#: Settings that must be greater than 0, and settings that must not be negative.
POSITIVE = (
    "session_lifetime_minutes",
    "launch_state_seconds",
    "max_id_token_bytes",
    "jwks_cache_seconds",
    "http_max_response_bytes",
    "workers",
    "worker_concurrency",
    "gradesync_per_platform",
    "operator_idle_minutes",
    "operator_session_hours",
    "operator_login_attempts",
)
NOT_NEGATIVE = (
    "jwt_leeway_seconds",
    "key_overlap_days",
    "job_retention_days",
    "rate_limit_per_minute",
    "rate_limit_burst",
    "trusted_proxy_count",
    "retention_attempt_days",
    "retention_project_file_days",
    "retention_lab_output_days",
    "retention_access_log_days",
)


def _check_numbers(settings: Settings) -> None:
    for name in POSITIVE:
        if getattr(settings, name) <= 0:
            raise SettingsError(f"Setting {name} must be greater than 0.")
    for name in NOT_NEGATIVE:
        if getattr(settings, name) < 0:
            raise SettingsError(f"Setting {name} must not be negative.")
    if not 0 < settings.http_timeout_seconds <= 60:
        raise SettingsError("Setting http_timeout_seconds must be between 0 and 60 seconds.")
    if settings.worker_concurrency > 64:
        raise SettingsError("Setting worker_concurrency must be at most 64.")
    if settings.gradesync_stall_seconds <= settings.http_timeout_seconds:
        raise SettingsError(
            "Setting gradesync_stall_seconds must be longer than http_timeout_seconds, or "
            "deliveries still waiting on an LMS would be taken for stalled."
        )
    if settings.jwt_leeway_seconds > 300:
        raise SettingsError("Setting jwt_leeway_seconds must be at most 300 seconds.")


def _check_words(settings: Settings) -> None:
    """The log level and format, and the UI's default language."""
    if logging.getLevelName(settings.log_level.upper()) == f"Level {settings.log_level.upper()}":
        raise SettingsError("Setting log_level must be DEBUG, INFO, WARNING or ERROR.")
    if settings.log_format not in {"", "json", "text"}:
        raise SettingsError(f"Setting log_format must be json or text: {settings.log_format!r}.")
    if 0 < len(settings.metrics_token) < 16:
        raise SettingsError("Setting metrics_token must be at least 16 random characters.")
    if settings.default_locale not in SUPPORTED_LOCALES:
        raise SettingsError(
            f"Setting default_locale must be one of {', '.join(SUPPORTED_LOCALES)} (the languages "
            f"SkillCert's pages are translated into), not {settings.default_locale!r}."
        )


def _check_smtp(settings: Settings) -> None:
    if not settings.smtp_host:
        return
    if not 0 < settings.smtp_port < 65536:
        raise SettingsError("Setting smtp_port must be a port number between 1 and 65535.")
    if "@" not in settings.smtp_from.strip("@") or any(c.isspace() for c in settings.smtp_from):
        raise SettingsError(
            "Setting smtp_from must be the sender's email address (like "
            "skillcert@example.edu) when smtp_host is set."
        )
    if bool(settings.smtp_username) != bool(settings.smtp_password):
        raise SettingsError(
            "Settings smtp_username and smtp_password go together: set both or neither."
        )
    cleartext = not settings.smtp_starttls and not is_loopback_host(settings.smtp_host)
    if settings.smtp_password and cleartext:
        raise SettingsError(
            "Setting smtp_starttls must be true to log in to a mail server on another "
            "host: smtp_password would cross the network in clear text."
        )


def _stored_secret_key(instance: Path) -> str:
    """Read the instance's secret key, creating it (readable by this user only) on first run."""
    return private_file_text(instance / "secret_key", secrets.token_urlsafe(48))


def current_settings() -> Settings:
    """The settings of the app this runs in (a request, a job or a command)."""
    settings: Settings = current_app.config["SETTINGS"]
    return settings
