"""Pages without a launch: the front page, the health check, the session description, and
what employers and verifiers use: the DID document, status lists, credential pages and
the verify API. Nothing here but ``/session`` reads a launch.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

import segno
from flask import Blueprint, Response, abort, jsonify, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from sqlalchemy import text

from assessments.catalog import find_track, list_tracks
from lti_tool.credentials import keys, statuslist, wallet
from lti_tool.credentials.document import page_url
from lti_tool.credentials.verify import Verdict, invalid, verify
from lti_tool.csrf import exempt
from lti_tool.db import get_connection, get_session, read_only
from lti_tool.models import Credential, utcnow
from lti_tool.ratelimit import rate_limited
from lti_tool.sessions import required_launch
from lti_tool.settings import Settings, current_settings

bp = Blueprint("public", __name__)


@bp.get("/")
@read_only
def index() -> ResponseReturnValue:
    return render_template("index.html", demo=current_settings().demo)


@bp.get("/healthz")
@read_only
def healthz() -> ResponseReturnValue:
    try:
        get_connection().execute(text("SELECT 1"))
    except Exception:  # any database failure means unhealthy; the reason goes to the log
        return jsonify(status="error", database="unreachable"), 503
    return jsonify(status="ok", database="ok")


@bp.get("/session")
@read_only
def session_info() -> ResponseReturnValue:
    """The current launch, for the pages' scripts and for tests; 401 without a launch."""
    launch = required_launch()
    return jsonify(
        user={"id": launch.user_id, "name": launch.user_name},
        role=launch.role.value,
        registration_id=launch.registration_id,
        deployment_id=launch.deployment_id,
        context={"id": launch.context_id, "title": launch.context_title},
        resource_link={"id": launch.resource_link_id, "title": launch.resource_link_title},
        message_type=launch.message_type,
    )


#: The largest credential /api/verify reads; ours are about 5 KB.
MAX_VERIFY_BYTES = 256 * 1024
#: How long the DID document may be cached (a rotated-in key is used only by new credentials).
DID_CACHE_SECONDS = 300


#: The verdict's checks as the public page names them.
CHECK_NAMES = {
    "format": _l("Format"),
    "issuer": _l("Issuer"),
    "proof": _l("Signature"),
    "status": _l("Revocation status"),
    "validity": _l("Validity period"),
}


def _public_json(body: Any, max_age: int) -> Response:
    """JSON any site may read (it is public), cacheable for ``max_age`` seconds."""
    response = Response(json.dumps(body, ensure_ascii=False), mimetype="application/json")
    response.headers["Cache-Control"] = f"public, max-age={max_age}"
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


@bp.get("/.well-known/did.json")
@bp.get("/did.json")
@read_only
def did_document() -> ResponseReturnValue:
    """The issuer's did:web document (``/did.json`` when the tool lives under a path)."""
    settings = current_settings()
    if request.path != keys.did_document_path(settings.base_url):
        abort(404)
    document = keys.did_document(get_session(), keys.did_web(settings.base_url))
    return _public_json(document, DID_CACHE_SECONDS)


@bp.get("/credentials/status/<id:number>")
@read_only
def status_list(number: int) -> ResponseReturnValue:
    row = statuslist.status_list(get_session(), number)
    if row is None:
        abort(404)
    return _public_json(row.document, statuslist.CACHE_SECONDS)


def _credential(credential_id: str) -> Credential:
    credential = get_session().get(Credential, credential_id) if len(credential_id) == 36 else None
    if credential is None:
        abort(404)
    return credential


@bp.get("/credentials/<credential_id>.json")
@read_only
def credential_json(credential_id: str) -> ResponseReturnValue:
    credential = _credential(credential_id)
    response = _public_json(credential.document, 0)
    response.headers["Content-Disposition"] = (
        f'attachment; filename="credential-{credential.id}.json"'
    )
    return response


@bp.get("/credentials/<credential_id>")
@read_only
def credential_page(credential_id: str) -> ResponseReturnValue:
    credential = _credential(credential_id)
    settings = current_settings()
    verdict = verify(get_session(), settings, credential.document)
    url = page_url(settings, credential.id)
    qr = segno.make(url, error="m").svg_inline(scale=4, title=None, omitsize=True)
    renewed = wallet.is_renewed(get_session(), credential.id)
    standing = wallet.standing(credential, utcnow(), renewed=renewed)
    return render_template(
        "credentials/credential.html",
        credential=credential,
        standing=wallet.STANDING_LABELS[standing],
        document=credential.document,
        verdict=verdict,
        check_names=CHECK_NAMES,
        url=url,
        qr_svg=Markup(qr),  # noqa: S704 (segno's SVG of our own URL)
        linkedin=linkedin_url(settings, credential, url),
    )


@bp.get("/credentials/tracks/<track_id>")
@read_only
def achievement_page(track_id: str) -> ResponseReturnValue:
    """What a credential certifies: the track and its competencies (alignment targets)."""
    track = find_track(list_tracks(current_settings().tracks_dir), track_id)
    if track is None:
        abort(404)
    return render_template("credentials/achievement.html", track=track)


def linkedin_url(settings: Settings, credential: Credential, url: str) -> str:
    """LinkedIn's "Add to profile" form for a certification, filled in."""
    params = {
        "startTask": "CERTIFICATION_NAME",
        "name": credential.achievement["name"],
        "organizationName": settings.issuer_name,
        "issueYear": credential.valid_from.year,
        "issueMonth": credential.valid_from.month,
        "expirationYear": credential.valid_until.year,
        "expirationMonth": credential.valid_until.month,
        "certUrl": url,
        "certId": credential.id,
    }
    return "https://www.linkedin.com/profile/add?" + urlencode(params)


@bp.post("/api/verify")
@exempt  # an API for other systems: no cookies are read, so there is nothing to forge
@rate_limited
@read_only
def verify_api() -> ResponseReturnValue:
    """Any credential JSON in, a verdict out: ``{verified, checks, errors}``; never a 500."""
    if (request.content_length or 0) > MAX_VERIFY_BYTES:
        return jsonify(_too_large().to_json())
    body = request.stream.read(MAX_VERIFY_BYTES + 1)  # a chunked body has no length
    verdict = _too_large() if len(body) > MAX_VERIFY_BYTES else _verify_body(body)
    return jsonify(verdict.to_json())


def _too_large() -> Verdict:
    return invalid(
        "format", "too_large", f"The credential is larger than {MAX_VERIFY_BYTES // 1024} KB."
    )


def _verify_body(body: bytes) -> Verdict:
    try:
        document = json.loads(body)
    except (ValueError, RecursionError):
        return invalid("format", "malformed", "The request body is not valid JSON.")
    return verify(get_session(), current_settings(), document)
