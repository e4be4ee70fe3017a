"""/lti/notices: where an LMS's Platform Notification Service delivers notices (LTI PNS 1.0).

No session and no CSRF token: every notice is a JWT the platform signed, checked as a
launch is (:mod:`lti_tool.lti.notices`). The answer is JSON for the LMS's logs: 200 with
what became of each notice (a notice received before included), or a 4xx with
``{"error": …}`` saying what is wrong, and then nothing was stored.
"""

from __future__ import annotations

import logging
import time

from flask import Blueprint, current_app, jsonify, request
from flask.typing import ResponseReturnValue

from lti_tool import csrf
from lti_tool.db import get_connection
from lti_tool.lti.notices import (
    MAX_DELIVERY_BYTES,
    NoticeRefused,
    handle_delivery,
    read_delivery,
)
from lti_tool.observability.events import elapsed_ms, event
from lti_tool.settings import current_settings

log = logging.getLogger(__name__)

bp = Blueprint("notices", __name__, url_prefix="/lti")


@bp.post("/notices")
@csrf.exempt
def receive() -> ResponseReturnValue:
    started = time.monotonic()
    if (request.content_length or 0) > MAX_DELIVERY_BYTES:
        return _refused(NoticeRefused(413, "The delivery is too large."), started)
    body = request.stream.read(MAX_DELIVERY_BYTES + 1)  # a chunked body has no length
    conn = get_connection()
    try:
        notices = read_delivery(
            body, conn, current_settings(), current_app.extensions["skillcert.keys"]
        )
        handled = handle_delivery(conn, notices)
    except NoticeRefused as refused:
        return _refused(refused, started)
    for notice, outcome in zip(notices, handled, strict=True):
        event(
            "notice.received",
            registration_id=notice.registration_id,
            deployment_id=notice.deployment_pk,
            notice_type=notice.notice_type,
            replayed=outcome.replayed,
            duration_ms=elapsed_ms(started),
        )
    return jsonify(notices=[outcome.to_json() for outcome in handled])


def _refused(refused: NoticeRefused, started: float) -> ResponseReturnValue:
    """The error answer; the request's rollback (status 4xx) keeps nothing of it."""
    log.warning("Notice delivery refused (HTTP %s): %s", refused.status, refused.message)
    event("notice.refused", status=refused.status, duration_ms=elapsed_ms(started))
    return jsonify(error=refused.message), refused.status
