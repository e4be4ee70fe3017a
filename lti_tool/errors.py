"""The exception tree: one root; ``default_message`` and ``advice`` are what a person reads.

Both are lazy translations (Flask-Babel): they are worded in the request's language when
the error page renders, and in English outside a request (the CLI, the worker, logs).
"""

from flask_babel import lazy_gettext as _l


class SkillCertError(Exception):
    """The root of SkillCert's errors; raised with a message, or the class's default one."""

    status_code = 500
    default_message = _l("Something went wrong in SkillCert.")
    #: What the person can do about it, shown under the message.
    advice = _l("Try again in a moment. If it keeps happening, contact your administrator.")

    def __init__(self, message: str | None = None, *, advice: str | None = None) -> None:
        super().__init__(message or self.default_message)
        if advice is not None:
            self.advice = advice

    @property
    def message(self) -> str:
        return str(self.args[0])


class SettingsError(SkillCertError):
    """A setting is invalid (always raised with a message naming the setting)."""


class LaunchError(SkillCertError):
    """A launch from the LMS failed a check."""

    status_code = 400
    default_message = _l("This launch from your LMS could not be accepted.")
    advice = _l("Reload the page in your course to launch SkillCert again.")


class NotRegisteredError(LaunchError):
    """The launch names an LMS (issuer, client id) without a registration."""

    status_code = 403
    default_message = _l("This LMS is not registered with SkillCert.")
    advice = _l("Ask your SkillCert administrator to register your LMS.")


class LaunchExpiredError(LaunchError):
    """The launch's state was already consumed or has expired."""

    status_code = 400
    default_message = _l("This launch link was already used or has expired.")
    advice = _l("Reload the page from your course to launch SkillCert again.")


class NoLaunchSessionError(SkillCertError):
    """The request carries no valid launch session."""

    status_code = 401
    default_message = _l("You are not signed in to SkillCert.")
    advice = _l("Open SkillCert from your course in your LMS.")


class ForbiddenError(SkillCertError):
    """The launch's role may not see the page."""

    status_code = 403
    default_message = _l("You do not have access to this page.")
    advice = _l("This page is for instructors of the course. Open SkillCert from your course.")


class RateLimitedError(SkillCertError):
    """The client address exceeded the login and launch rate limit."""

    status_code = 429
    default_message = _l("Too many launches from your network in a short time.")
    advice = _l("Wait a minute and reload the page in your course.")


class PlatformFetchError(LaunchError):
    """The platform's key set could not be fetched or read.

    Raised without a message when the call failed: the same words for a refused address, a
    refused connection, a failed TLS handshake, a timeout or a bad answer (the page is
    shown to anyone; the log keeps the detail)."""

    status_code = 502
    default_message = _l("SkillCert could not reach the LMS.")
    advice = _l(
        "Try again in a moment. If it keeps happening, ask your administrator to check the "
        "LMS key set URL; the SkillCert log names the address and the reason."
    )
