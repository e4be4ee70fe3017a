"""LTI Platform Notification Service 1.0: setting the tool's handler for a notice type.

https://www.imsglobal.org/spec/lti-pns/v1p0/main. A launch's ``platformnotificationservice``
claim names the service's URL; a PUT of ``{"notice_type": …, "handler": …}`` to it, with a
token for the ``noticehandlers`` scope, sets where the platform POSTs notices of that type
(one handler per type; an empty handler removes it), and the platform answers with the
handler as set. Canvas documents this exchange, and that the handler must be on the tool's
own domain (doc/api/pns.md and its Notice Handlers API, read 2026-12-06).
"""

from __future__ import annotations

import dataclasses
from typing import Any

from lti_tool.services.errors import ServiceError
from lti_tool.services.http import ServiceConnection


@dataclasses.dataclass(frozen=True)
class NoticeHandler:
    """Where the platform sends notices of one type."""

    notice_type: str
    handler: str

    def to_json(self) -> dict[str, Any]:
        return {"notice_type": self.notice_type, "handler": self.handler}

    @classmethod
    def from_json(cls, data: Any) -> NoticeHandler:
        if (
            not isinstance(data, dict)
            or not isinstance(data.get("notice_type"), str)
            or not isinstance(data.get("handler"), str)
        ):
            raise ServiceError("The LMS answered with something that is not a notice handler.")
        return cls(data["notice_type"], data["handler"])


class PnsClient:
    """The notice handler service of one deployment, as a launch named it."""

    def __init__(self, connection: ServiceConnection, service_url: str) -> None:
        self.connection = connection
        self.service_url = service_url

    def set_handler(self, notice_type: str, handler_url: str) -> NoticeHandler:
        """Have the platform send notices of ``notice_type`` to ``handler_url``."""
        wanted = NoticeHandler(notice_type, handler_url)
        answer = self.connection.request(
            "PUT",
            self.service_url,
            what=f"Setting the {notice_type} handler",
            accept="application/json",
            content_type="application/json",
            document=wanted.to_json(),
        )
        document = answer.json()
        if document is None:  # a platform that answers 204 No Content
            return wanted
        handler = NoticeHandler.from_json(document)
        if handler != wanted:
            raise ServiceError(
                f"The LMS did not set the {notice_type} handler: it answered with "
                f"{handler.handler!r} for {handler.notice_type}."
            )
        return handler
