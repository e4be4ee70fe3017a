"""URLs on this tool: what the LMS is told, and the check that keeps redirects on the tool."""

from urllib.parse import urlsplit

from lti_tool.settings import Settings


def launch_url(settings: Settings) -> str:
    return settings.url_for("/lti/launch")


def login_url(settings: Settings) -> str:
    return settings.url_for("/lti/login")


def jwks_url(settings: Settings) -> str:
    return settings.url_for("/lti/jwks.json")


def notices_url(settings: Settings) -> str:
    """Where the LMS's Platform Notification Service sends notices."""
    return settings.url_for("/lti/notices")


def is_on_this_tool(url: str, settings: Settings) -> bool:
    """True if ``url`` is an absolute URL on this tool's public origin (no open redirects)."""
    target, base = urlsplit(url), urlsplit(settings.base_url)
    return (
        target.scheme == base.scheme
        and target.netloc.lower() == base.netloc.lower()
        and target.path.startswith(base.path.rstrip("/") + "/")
        and "\\" not in url
    )
