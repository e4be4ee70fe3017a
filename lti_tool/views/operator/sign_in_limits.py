"""Failed sign-ins to the operator console: ``operator_login_attempts`` per client address
and per account in 15 minutes, then refused until the window ends.

They are counted with the login and launch limits' counters (lti_tool.ratelimit): in
Redis when ``redis_url`` is set, so every worker and host counts together, else in each
process. Each attempt is counted before the password is checked, so guesses sent in
parallel all count, and a successful one is taken back: what stays counted are failures.
The window is a fixed one, as theirs are (the module's docstring says what that costs).
"""

from __future__ import annotations

from flask import current_app

from lti_tool.ratelimit import RateLimiter, Window, client_address

WINDOW_SECONDS = 15 * 60
EXTENSION = "skillcert.operator_sign_in_limits"


def _limiter() -> RateLimiter:
    limiter = current_app.extensions.get(EXTENSION)
    if limiter is None:
        settings = current_app.config["SETTINGS"]
        window = Window(WINDOW_SECONDS, settings.operator_login_attempts)
        limiter = current_app.extensions.setdefault(EXTENSION, RateLimiter(settings, (window,)))
    return limiter


def _keys(email: str) -> tuple[str, str]:
    return (
        f"operator sign-in from {client_address()}",
        f"operator sign-in as {email.strip().lower()[:320]}",
    )


def count_attempt(email: str) -> int:
    """Count a sign-in as ``email`` from this request's address; the seconds to wait when
    either has used up its attempts (nothing is checked then), else 0."""
    limiter = _limiter()
    for key in _keys(email):
        # An address over its limit no longer counts against the account it names.
        decision = limiter.hit(key)
        if not decision.allowed:
            return decision.retry_after
    return 0


def forgive_attempt(email: str) -> None:
    """Take back the attempt ``count_attempt`` counted: it signed in."""
    limiter = _limiter()
    for key in _keys(email):
        limiter.hit(key, amount=-1)
