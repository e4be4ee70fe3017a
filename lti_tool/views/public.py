"""Pages without a launch: the front page, the health check, the session description, and
what employers and verifiers use: the DID document, status lists, credential pages and
the verify API. Nothing here but ``/session`` reads a launch.
"""

from __future__ import annotations

import hmac
import json
from typing import Any
from urllib.parse import quote, urlencode

import segno
from flask import Blueprint, Response, abort, jsonify, render_template, request
from flask.typing import ResponseReturnValue
from markupsafe import Markup
from sqlalchemy import text

from assessments.catalog import find_track, list_tracks
from assessments.markdown import render as render_markdown
from assessments.model import Track
from lti_tool.credentials import badge, keys, statuslist, wallet
from lti_tool.credentials.document import criteria_narrative, page_url
from lti_tool.credentials.verdict_words import check_name, check_result
from lti_tool.credentials.verify import Verdict, invalid, verify
from lti_tool.csrf import exempt
from lti_tool.db import get_connection, get_session, read_only
from lti_tool.jobs.summary import queue_rows
from lti_tool.models import Credential, utcnow
from lti_tool.observability import metrics
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


def metrics_token_given() -> bool:
    """The request carries the ``metrics_token`` setting (when set) as a bearer token: the
    monitoring credential of ``/metrics`` and of the console's ``/operator/health.json``."""
    token = current_settings().metrics_token
    given = request.headers.get("Authorization", "").encode()
    return bool(token) and hmac.compare_digest(given, f"Bearer {token}".encode())


@bp.get("/metrics")
@read_only
def metrics_page() -> ResponseReturnValue:
    """Prometheus's scrape, when the ``metrics_token`` setting turns it on; the scraper
    sends ``Authorization: Bearer <token>``."""
    if not current_settings().metrics_token:
        abort(404)
    if not metrics_token_given():
        return Response(
            "A valid bearer token is required.\n",
            status=401,
            mimetype="text/plain",
            headers={"WWW-Authenticate": 'Bearer realm="metrics"'},
        )
    body, content_type = metrics.exposition(queue_rows(get_connection()), utcnow())
    return Response(body, content_type=content_type)


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


#: The QR code's size on the page and on paper, in CSS pixels (about 46 mm printed).
QR_PIXELS = 176


def qr_code(url: str) -> Markup:
    """``url`` as an inline SVG QR code of ``QR_PIXELS`` square; the page gives its text."""
    svg = segno.make(url, error="m").svg_inline(scale=1, omitsize=True, light="#fff")
    sized = svg.replace(
        "<svg ",
        f'<svg width="{QR_PIXELS}" height="{QR_PIXELS}" shape-rendering="crispEdges" '
        'aria-hidden="true" focusable="false" ',
        1,
    )
    return Markup(sized)  # noqa: S704 (segno's SVG of our own URL)


def holder_name(document: dict[str, Any]) -> str | None:
    """The learner's name when they chose to include it in the credential, else None."""
    subject = document.get("credentialSubject")
    identifiers = subject.get("identifier", []) if isinstance(subject, dict) else []
    for identifier in identifiers if isinstance(identifiers, list) else []:
        if (
            isinstance(identifier, dict)
            and identifier.get("identityType") == "name"
            and identifier.get("hashed") is False
            and isinstance(identifier.get("identityHash"), str)
        ):
            return str(identifier["identityHash"])
    return None


def _served_track(track_id: str) -> Track | None:
    return find_track(list_tracks(current_settings().tracks_dir), track_id)


@bp.get("/credentials/<credential_id>")
@read_only
def credential_page(credential_id: str) -> ResponseReturnValue:
    credential = _credential(credential_id)
    settings = current_settings()
    verdict = _counted(verify(get_session(), settings, credential.document))
    url = page_url(settings, credential.id)
    renewed = wallet.is_renewed(get_session(), credential.id)
    standing = wallet.standing(credential, utcnow(), renewed=renewed)
    track = _served_track(credential.track_id)
    return render_template(
        "credentials/credential.html",
        credential=credential,
        standing=wallet.STANDING_LABELS[standing],
        document=credential.document,
        holder=holder_name(credential.document),
        verdict=verdict,
        checks=[
            (check_name(check), check.passed, check_result(check, credential.document))
            for check in verdict.checks
        ],
        url=url,
        qr_svg=qr_code(url),
        qr_pixels=QR_PIXELS,
        has_badge=track is not None,
        criteria=render_markdown(credential.achievement.get("criteria", {}).get("narrative", "")),
        linkedin=linkedin_url(settings, credential, url),
    )


@bp.get("/credentials/tracks/<track_id>")
@read_only
def achievement_page(track_id: str) -> ResponseReturnValue:
    """What a credential certifies: the track, its competencies (alignment targets) and
    its criteria."""
    track = _served_track(track_id)
    if track is None:
        abort(404)
    return render_template(
        "credentials/achievement.html",
        track=track,
        criteria=render_markdown(criteria_narrative(track)),
    )


@bp.get("/credentials/tracks/<track_id>/badge.svg")
@read_only
def badge_image(track_id: str) -> ResponseReturnValue:
    """The track's badge: the image every credential of the track names (OB 3.0 ``image``)."""
    track = _served_track(track_id)
    if track is None:
        abort(404)
    response = Response(badge.svg(track, current_settings().issuer_name), mimetype=badge.MEDIA_TYPE)
    response.headers["Cache-Control"] = f"public, max-age={badge.CACHE_SECONDS}"
    response.headers["Access-Control-Allow-Origin"] = "*"
    # Opened on its own, the image may do nothing but draw itself.
    response.headers["Content-Security-Policy"] = "default-src 'none'; frame-ancestors 'none'"
    response.add_etag()
    return response.make_conditional(request)


def linkedin_url(settings: Settings, credential: Credential, url: str) -> str:
    """LinkedIn's "Add to profile" form for a certification, filled in.

    Parameters as in LinkedIn's "Add To Profile for Certifications" developer document
    (startTask=CERTIFICATION_NAME, name, organizationName or organizationId, issueYear,
    issueMonth, expirationYear, expirationMonth, certUrl, certId), checked 2026-12-06 from a
    copy of that document and current integrations (the addtoprofile.linkedin.com page
    itself was not reachable). Every value is percent-encoded (spaces as %20; "&", "=", "/"
    and ":" escaped).
    """
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
    return "https://www.linkedin.com/profile/add?" + urlencode(params, quote_via=quote)


@bp.app_template_global("linkedin_add_url")
def linkedin_add_url(credential: Credential) -> str:
    """For the learner's wallet: the "Add to LinkedIn" address of one of their credentials."""
    settings = current_settings()
    return linkedin_url(settings, credential, page_url(settings, credential.id))


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
    return jsonify(_counted(verdict).to_json())


def _counted(verdict: Verdict) -> Verdict:
    """Count a verification in the metrics, by whether it verified."""
    metrics.credential_verified("verified" if verdict.verified else "failed")
    return verdict


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
