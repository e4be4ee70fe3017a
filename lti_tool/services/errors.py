"""One error for every failed call to an LMS service, classified for the delivery worker.

A worker needs three answers from a failure: try again later or give up (``transient``),
how long the LMS asked it to wait (``retry_after``), and a reason an instructor can read.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import re

import requests

from lti_tool.errors import SkillCertError
from lti_tool.outbound import OutboundError, UnreachableError

#: Longest reason kept from an LMS's answer: enough for its error text, not a whole page.
REASON_LIMIT = 300
#: Longest wait an LMS can ask for with Retry-After; a larger value is taken as this.
RETRY_AFTER_LIMIT = 3600.0
#: What an instructor can do when SkillCert could not reach the LMS at all.
UNREACHABLE_ADVICE = (
    "If it keeps happening, ask your administrator to check the LMS's URLs; the SkillCert "
    "log names the address and the reason."
)
#: Answers that can succeed if the same request is sent again later.
_TRANSIENT_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504})
#: Canvas's throttle refuses a request with "403 Forbidden (Rate Limit Exceeded)" and
#: says to retry it later (Canvas API docs, "Throttling",
#: https://developerdocs.instructure.com/services/canvas/basics/file.throttling, checked
#: 2026-12-06; a newer copy of the page names 429, which is transient anyway).
_THROTTLED = b"Rate Limit Exceeded"


class ServiceError(SkillCertError):
    """The LMS did not accept a request from SkillCert."""

    status_code = 502
    advice = "SkillCert tries again later. If it keeps happening, check the LMS registration."

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        transient: bool = False,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        #: The LMS's HTTP status; None when no answer came (timeout, refused connection).
        self.status = status
        #: True when the same request may succeed later (timeouts, 5xx, 429).
        self.transient = transient
        #: Seconds the LMS asked us to wait (429/503 Retry-After), if it said.
        self.retry_after = retry_after


def error_from_response(
    response: requests.Response, body: bytes, what: str, secret: str = ""
) -> ServiceError:
    """A :class:`ServiceError` for an LMS answer that is not a success."""
    status = response.status_code
    reason = readable_reason(body, secret)
    message = f"{what}: the LMS answered HTTP {status}" + (f" ({reason})" if reason else "")
    throttled = status == 403 and _THROTTLED in body[: REASON_LIMIT * 4]
    return ServiceError(
        message,
        status=status,
        transient=status in _TRANSIENT_STATUSES or throttled,
        retry_after=parse_retry_after(response.headers.get("Retry-After")),
    )


def error_from_unreachable(exc: OutboundError, what: str) -> ServiceError:
    """No answer from the LMS. One wording for a refused address, a refused connection, a
    failed TLS handshake or an unknown name (which of them it was is an internal network's
    shape, logged by :mod:`lti_tool.outbound`); a timeout says so, and may pass."""
    timed_out = isinstance(exc, UnreachableError) and exc.timed_out
    problem = "SkillCert could not reach the LMS" + (" (it timed out)" if timed_out else "")
    return ServiceError(f"{what}: {problem}. {UNREACHABLE_ADVICE}", transient=exc.transient)


def readable_reason(body: bytes, secret: str = "") -> str:
    """The start of an LMS's error text on one line, without ``secret`` (our token)."""
    text = body[: REASON_LIMIT * 4].decode("utf-8", errors="replace")
    if secret:
        text = text.replace(secret, "[token]")
    text = re.sub(r"\s+", " ", text).strip()
    return text if len(text) <= REASON_LIMIT else text[: REASON_LIMIT - 1] + "…"


def parse_retry_after(value: str | None, now: dt.datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header: delay-seconds or an HTTP-date (RFC 9110)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return min(float(value), RETRY_AFTER_LIMIT)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    seconds = (when - (now or dt.datetime.now(dt.UTC))).total_seconds()
    return min(max(seconds, 0.0), RETRY_AFTER_LIMIT)
