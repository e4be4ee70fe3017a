"""The simulated LMS's Platform Notification Service (LTI PNS 1.0), as Canvas plays it.

:class:`SimulatedPNS` composes with a :class:`~tests.simulated_lms.SimulatedLMS`: on its
own loopback port it serves each deployment's notice handler service, whose URL
:meth:`SimulatedPNS.claim` puts in a launch's ``platformnotificationservice`` claim. A PUT
of ``{"notice_type", "handler"}`` with a bearer token the LMS issued for the
``noticehandlers`` scope sets that deployment's handler for the type and answers with it;
a GET lists them (canvas-lms doc/api/pns.md and its Notice Handlers API, read 2026-12-06).
``fail_next`` makes the next requests answer an error status.

Notices are signed with the LMS's own key (:meth:`SimulatedLMS.sign`): :meth:`notice`
builds the claims Canvas sends (``hello_world``, ``context_copy``), :meth:`token` signs
them, with the same knobs as launches (``signing="stranger"``, claim overrides), and
:meth:`deliver` posts ``{"notices": [{"jwt": …}, …]}`` to the tool as the LMS does.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
import uuid
from collections.abc import Iterable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import quote, unquote, urlsplit

from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from tests.simulated_lms import DELETE, LTI, SimulatedLMS

NOTICE_SCOPE = "https://purl.imsglobal.org/spec/lti/scope/noticehandlers"
PNS_CLAIM = LTI + "platformnotificationservice"
#: The notice types Canvas offers (an Asset Processor one SkillCert does not handle).
CANVAS_NOTICE_TYPES = (
    "LtiHelloWorldNotice",
    "LtiAssetProcessorSubmissionNotice",
    "LtiContextCopyNotice",
)


class SimulatedPNS:
    def __init__(self, lms: SimulatedLMS) -> None:
        self.lms = lms
        #: (client_id, deployment_id) -> notice type -> handler URL, as tools set them.
        self.handlers: dict[tuple[str, str], dict[str, str]] = {}
        #: Every request: (method, deployment_id, the scopes of its token or None).
        self.requests: list[tuple[str, str, frozenset[str] | None]] = []
        self._faults: list[int] = []
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def service_url(self, deployment_id: str) -> str:
        return f"{self.url}/notice-handlers/{quote(deployment_id, safe='')}"

    def claim(
        self,
        deployment_id: str,
        types: Iterable[str] = CANVAS_NOTICE_TYPES,
        scope: Iterable[str] = (NOTICE_SCOPE,),
    ) -> dict[str, Any]:
        """The ``platformnotificationservice`` claim of a launch from ``deployment_id``."""
        return {
            PNS_CLAIM: {
                "service_versions": ["1.0"],
                "platform_notification_service_url": self.service_url(deployment_id),
                "scope": list(scope),
                "notice_types_supported": list(types),
            }
        }

    def fail_next(self, status: int, count: int = 1) -> None:
        with self._lock:
            self._faults.extend([status] * count)

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()

    # -- notices -----------------------------------------------------------------------

    def notice(
        self,
        notice_type: str,
        *,
        issuer: str,
        client_id: str,
        deployment_id: str,
        notice_id: str | None = None,
        lifetime: int = 3600,
        **claims: Any,
    ) -> dict[str, Any]:
        """A notice's claims as Canvas sends them; ``claims`` override (DELETE removes)."""
        now = int(time.time())
        body: dict[str, Any] = {
            LTI + "version": "1.3.0",
            LTI + "notice": {
                "id": notice_id or str(uuid.uuid4()),
                "timestamp": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now)),
                "type": notice_type,
            },
            "iss": issuer,
            "aud": client_id,
            "azp": client_id,
            LTI + "deployment_id": deployment_id,
            "iat": now,
            "exp": now + lifetime,
            "nonce": secrets.token_hex(8),
        }
        for name, value in claims.items():
            if value is DELETE:
                body.pop(name, None)
            else:
                body[name] = value
        return body

    def context_copy(
        self, new_course: dict[str, Any], origins: list[str], **fields: Any
    ) -> dict[str, Any]:
        """An LtiContextCopyNotice: ``new_course`` (the context claim) copied from ``origins``."""
        return self.notice(
            "LtiContextCopyNotice",
            **{LTI + "context": new_course, LTI + "origin_contexts": origins, **fields},
        )

    def token(self, claims: dict[str, Any], signing: str = "platform", **header: Any) -> str:
        return self.lms.sign(claims, header=header, signing=signing)

    @staticmethod
    def deliver(client: FlaskClient, handler: str, *tokens: str) -> TestResponse:
        """Post the notices to the tool's handler, as the LMS does."""
        return client.post(
            urlsplit(handler).path, json={"notices": [{"jwt": token} for token in tokens]}
        )

    # -- HTTP --------------------------------------------------------------------------

    def _take_fault(self) -> int | None:
        with self._lock:
            return self._faults.pop(0) if self._faults else None

    def _handler(self):
        pns = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                self._serve("GET")

            def do_PUT(self) -> None:
                self._serve("PUT")

            def _serve(self, method: str) -> None:
                path = urlsplit(self.path).path
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if not path.startswith("/notice-handlers/"):
                    self._send(404, {"error": "not found"})
                    return
                deployment_id = unquote(path.removeprefix("/notice-handlers/"))
                grant = pns.lms.token_grant(self.headers.get("Authorization", ""))
                pns.requests.append((method, deployment_id, None if grant is None else grant[1]))
                fault = pns._take_fault()
                if fault is not None:
                    self._send(fault, {"error": "simulated failure"})
                elif grant is None:
                    self._send(401, {"error": "invalid or expired access token"})
                elif NOTICE_SCOPE not in grant[1]:
                    self._send(403, {"error": "the token lacks the noticehandlers scope"})
                else:
                    self._answer(method, (grant[0], deployment_id), body)

            def _answer(self, method: str, key: tuple[str, str], body: bytes) -> None:
                handlers = pns.handlers.setdefault(key, {})
                if method == "GET":
                    listed = [{"notice_type": t, "handler": h} for t, h in handlers.items()]
                    self._send(
                        200,
                        {"client_id": key[0], "deployment_id": key[1], "notice_handlers": listed},
                    )
                    return
                if self.headers.get("Content-Type") != "application/json":
                    self._send(415, {"error": "send application/json"})
                    return
                document = json.loads(body)
                notice_type, handler = document.get("notice_type"), document.get("handler")
                if notice_type not in CANVAS_NOTICE_TYPES or not isinstance(handler, str):
                    self._send(400, {"error": "notice_type and handler are required"})
                    return
                handlers[notice_type] = handler
                self._send(200, {"notice_type": notice_type, "handler": handler})

            def _send(self, status: int, document: dict[str, Any]) -> None:
                data = json.dumps(document).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        return Handler
