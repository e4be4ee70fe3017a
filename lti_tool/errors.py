"""The exception tree: one root, and a docstring that is the message a person reads."""


class SkillCertError(Exception):
    """Something went wrong in SkillCert."""

    status_code = 500
    #: What the person can do about it, shown under the message.
    advice = "Try again in a moment. If it keeps happening, contact your administrator."

    def __init__(self, message: str | None = None, *, advice: str | None = None) -> None:
        super().__init__(message or (self.__doc__ or "").strip())
        if advice is not None:
            self.advice = advice

    @property
    def message(self) -> str:
        return str(self.args[0])


class SettingsError(SkillCertError):
    """A setting is invalid."""


class LaunchError(SkillCertError):
    """This launch from your LMS could not be accepted."""

    status_code = 400
    advice = "Reload the page in your course to launch SkillCert again."


class NotRegisteredError(LaunchError):
    """This LMS is not registered with SkillCert."""

    status_code = 403
    advice = "Ask your SkillCert administrator to register your LMS."


class LaunchExpiredError(LaunchError):
    """This launch link was already used or has expired."""

    status_code = 400
    advice = "Reload the page from your course to launch SkillCert again."


class NoLaunchSessionError(SkillCertError):
    """You are not signed in to SkillCert."""

    status_code = 401
    advice = "Open SkillCert from your course in your LMS."


class ForbiddenError(SkillCertError):
    """You do not have access to this page."""

    status_code = 403
    advice = "This page is for instructors of the course. Open SkillCert from your course."


class RateLimitedError(SkillCertError):
    """Too many launches from your network in a short time."""

    status_code = 429
    advice = "Wait a minute and reload the page in your course."


class PlatformFetchError(LaunchError):
    """SkillCert could not read your LMS's public keys."""

    status_code = 502
    advice = (
        "Try again in a moment. If it keeps happening, ask your administrator to check the "
        "LMS key set URL."
    )
