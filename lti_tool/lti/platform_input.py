"""What an operator types when registering an LMS: tidied, refused, or warned about.

The issuer is matched against the ``iss`` of every launch as an exact, case-sensitive
string (OpenID Connect Core 1.0 §2 and §3.1.3.7, which LTI 1.3 builds on), so it is
changed only where no platform could mean otherwise: surrounding whitespace, and a lone
trailing ``/`` after the host. No preset's issuer ends with one, and Moodle refuses a
site URL (its issuer) that does (its ``wwwrootslash`` error). Its case is kept, since an
LMS sends it as configured; a capital in its scheme or host gets a warning instead.

Endpoint URLs are only called or redirected to, where scheme and host are
case-insensitive (RFC 3986 §3.1, §3.2.2): they are lower-cased. Warnings name what looks
mistyped against the preset's documented endpoints (config/platforms/*.toml).
"""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

from lti_tool.lti.presets import Preset

#: The options whose values are URLs SkillCert calls or sends browsers to.
ENDPOINTS = ("auth_login_url", "auth_token_url", "key_set_url")


def option_name(field: str) -> str:
    """``auth_login_url`` -> ``--auth-login-url``, as the operator typed it."""
    return "--" + field.replace("_", "-")


def _no_inner_space(value: str, what: str) -> str:
    if any(char.isspace() for char in value):
        raise ValueError(
            f"{what} {value!r} contains a space: paste one URL, exactly as your LMS shows it."
        )
    return value


def clean_url(value: str | None, what: str) -> str | None:
    """A URL without surrounding whitespace, its scheme and host in lower case."""
    if value is None or not value.strip():
        return None
    url = _no_inner_space(value.strip(), what)
    parts = urlsplit(url)
    if not parts.hostname:
        return url  # check_platform_url names what is wrong with it
    # netloc keeps a port (and would keep user info, which check_platform_url refuses).
    return urlunsplit(parts._replace(scheme=parts.scheme.lower(), netloc=parts.netloc.lower()))


def clean_issuer(value: str | None, warnings: list[str]) -> str | None:
    """The issuer as the LMS sends it; see the module docstring for what is changed."""
    if value is None or not value.strip():
        return None
    issuer = _no_inner_space(value.strip(), "The issuer")
    parts = urlsplit(issuer)
    if parts.query or parts.fragment:
        raise ValueError(
            f"The issuer {issuer!r} has a query or fragment ('?' or '#'), which an issuer "
            "never has: give the LMS's issuer (Platform ID) only."
        )
    if parts.path == "/":
        issuer = urlunsplit(parts._replace(path=""))
        warnings.append(
            f"Stored the issuer as {issuer}: launches carry it without the trailing '/'."
        )
    elif parts.path.endswith("/"):
        warnings.append(
            f"The issuer {issuer} ends with '/'. LMSs compare it character for character: "
            "keep the '/' only if your LMS shows it."
        )
    host = f"{parts.scheme}://{parts.netloc}"
    if host != host.lower():
        warnings.append(
            f"The issuer {issuer} has capital letters in its scheme or host. It must match "
            "the issuer your LMS shows exactly, letter case included."
        )
    return issuer


def preset_warnings(
    template: Preset,
    issuer: str,
    urls: dict[str, str | None],
    *,
    site: str | None,
    client_id: str,
) -> list[str]:
    """Values that do not look like what the preset documents for this LMS."""
    warnings = []
    for field in ENDPOINTS:
        url, documented = urls.get(field), getattr(template, field)
        if not url or not documented:
            continue
        documented_url = template.expand(documented, site="https://site", client_id=client_id)
        expected = urlsplit(documented_url).path
        given = urlsplit(url).path
        # Sakai's older key set URLs and other hosts' token URLs add to the documented
        # path; a trailing '/' or another file name is a typo.
        if expected and (expected not in given or (given.endswith("/") and given != expected)):
            warnings.append(
                f"{option_name(field)} {url} does not end like the {template.title} "
                f"endpoint ({expected}): check it against what your LMS shows."
            )
    login = urls.get("auth_login_url")
    if template.issuer is None and template.auth_login_url.startswith("{site}") and login:
        issuer_host, login_host = urlsplit(issuer).hostname, urlsplit(login).hostname
        if site is None and issuer_host != login_host:
            warnings.append(
                f"The issuer's host ({issuer_host}) differs from the login URL's "
                f"({login_host}); {template.title} serves both from its site URL."
            )
    return warnings


def refuse_endpoint_as_issuer(template: Preset, issuer: str, client_id: str) -> None:
    """An issuer that is one of the LMS's endpoint URLs (a paste from the wrong row)."""
    path = urlsplit(issuer).path.rstrip("/")
    for field in ENDPOINTS:
        documented = getattr(template, field)
        if not documented.startswith("{site}"):
            continue
        endpoint = urlsplit(
            template.expand(documented, site="https://site", client_id=client_id)
        ).path
        if endpoint and path.endswith(endpoint):
            raise ValueError(
                f"The issuer {issuer} is {template.title}'s {option_name(field)[2:]} "
                f"({endpoint}), not its issuer: give the site URL (the Platform ID)."
            )
