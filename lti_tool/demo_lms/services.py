"""The demo LMS's LTI Advantage services: OAuth2 tokens, AGS line items, scores and
results, and the NRPS roster, as the tool calls them over HTTP.

Every service call needs a bearer token from ``/demo-lms/token`` that grants one of the
call's scopes (401 without a valid token, 403 without the scope). Lists are paged with
``Link: <…>; rel="next"``; the roster's pages are small (two members) so paging shows in
the demo. Answers are JSON with the specs' media types; errors are JSON that says what was
wrong. The tool posts JSON, not forms, so these views take no CSRF token.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, Response, current_app, json, request
from flask.typing import ResponseReturnValue

from lti_tool import csrf
from lti_tool.db import transaction
from lti_tool.demo_lms.gradebook import GradebookError
from lti_tool.demo_lms.oauth import TokenRefused
from lti_tool.demo_lms.platform import CLIENT_ID, COURSE, OFFERED_SCOPES, ROSTER, DemoPlatform
from lti_tool.lti.constants import NRPS_SCOPE, AgsScope, MediaType
from lti_tool.lti.keys import published_keys

bp = Blueprint("demo_lms_services", __name__, url_prefix="/demo-lms")

#: Page sizes when the tool does not ask for one (``limit``); at most MAX_PAGE_SIZE.
LINE_ITEMS_PAGE = 10
RESULTS_PAGE = 10
MEMBERS_PAGE = 2
MAX_PAGE_SIZE = 100


def _platform() -> DemoPlatform:
    return current_app.extensions["skillcert.demo_platform"]


def _json(document: Any, status: int = 200, media_type: str = "application/json") -> Response:
    return Response(json.dumps(document), status=status, content_type=media_type)


def _error(status: int, error: str, description: str) -> Response:
    return _json({"error": error, "error_description": description}, status)


# -- OAuth2 ---------------------------------------------------------------------------------


@bp.post("/token")
@csrf.exempt
def token() -> ResponseReturnValue:
    platform = _platform()
    with transaction(current_app) as session:
        tool_keys = [key.public_jwk for key in published_keys(session)]
    try:
        answer = platform.tokens.exchange(
            request.form,
            tool_keys=tool_keys,
            client_id=CLIENT_ID,
            token_url=platform.token_url,
            offered=OFFERED_SCOPES,
            leeway=platform.settings.jwt_leeway_seconds,
        )
    except TokenRefused as refused:
        return _error(refused.status, refused.error, refused.description)
    response = _json(answer)
    response.headers["Cache-Control"] = "no-store"
    return response


def _requires(*scopes: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Let the call through with a bearer token granting one of ``scopes``."""

    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(view)
        def checked(*args: Any, **kwargs: Any) -> Any:
            kind, _, value = request.headers.get("Authorization", "").partition(" ")
            granted = _platform().tokens.scopes_of(value) if kind.lower() == "bearer" else None
            if granted is None:
                response = _error(
                    401, "invalid_token", "Send a bearer token from /demo-lms/token (it expires)."
                )
                response.headers["WWW-Authenticate"] = 'Bearer error="invalid_token"'
                return response
            if not granted.intersection(scopes):
                return _error(
                    403, "insufficient_scope", f"This call needs one of the scopes {list(scopes)}."
                )
            return view(*args, **kwargs)

        return checked

    return decorate


def _body(media_type: str) -> Any:
    """The request's JSON document, sent as ``media_type``; GradebookError otherwise."""
    if request.mimetype != media_type:
        raise GradebookError(f"Send this as {media_type}, not {request.mimetype or 'nothing'}.")
    document = request.get_json(silent=True)
    if document is None:
        raise GradebookError("The body is not JSON.")
    return document


def _paged(
    rows: Sequence[Any],
    default_size: int,
    media_type: str,
    wrap: Callable[[list[Any]], Any] | None = None,
) -> Response:
    """One page of ``rows`` (``limit`` and ``page`` from the query), linking to the next."""
    try:
        size = min(int(request.args.get("limit", default_size)), MAX_PAGE_SIZE)
        page = int(request.args.get("page", 1))
    except ValueError:
        size = page = 0
    if size < 1 or page < 1:
        return _error(400, "invalid_request", "limit and page must be whole numbers from 1.")
    chunk = list(rows[(page - 1) * size : page * size])
    response = _json(wrap(chunk) if wrap else chunk, media_type=media_type)
    if page * size < len(rows):
        query = urlencode({**request.args.to_dict(), "limit": size, "page": page + 1})
        url = _platform().settings.url_for(request.path)
        response.headers["Link"] = f'<{url}?{query}>; rel="next"'
    return response


@bp.errorhandler(GradebookError)
def _refused(error: GradebookError) -> Response:
    return _error(400, "invalid_request", str(error))


# -- AGS: line items ------------------------------------------------------------------------


def _line_item_json(number: int, item: dict[str, Any]) -> dict[str, Any]:
    return {"id": _platform().line_item_url(number), **item}


@bp.get("/lineitems")
@_requires(AgsScope.LINEITEM, AgsScope.LINEITEM_READONLY)
def line_items() -> ResponseReturnValue:
    items = _platform().gradebook.line_items(
        resourceLinkId=request.args.get("resource_link_id"),
        resourceId=request.args.get("resource_id"),
        tag=request.args.get("tag"),
    )
    rows = [_line_item_json(number, item) for number, item in items]
    return _paged(rows, LINE_ITEMS_PAGE, MediaType.LINEITEM_CONTAINER)


@bp.post("/lineitems")
@csrf.exempt
@_requires(AgsScope.LINEITEM)
def create_line_item() -> ResponseReturnValue:
    gradebook = _platform().gradebook
    number = gradebook.create(_body(MediaType.LINEITEM))
    item = gradebook.line_item(number)
    if item is None:  # deleted by another call since
        return _no_line_item(number)
    response = _json(_line_item_json(number, item), 201, MediaType.LINEITEM)
    response.headers["Location"] = _platform().line_item_url(number)
    return response


def _no_line_item(number: int) -> Response:
    return _error(404, "not_found", f"Line item {number} does not exist (or was deleted).")


@bp.get("/lineitems/<id:number>")
@_requires(AgsScope.LINEITEM, AgsScope.LINEITEM_READONLY)
def line_item(number: int) -> ResponseReturnValue:
    item = _platform().gradebook.line_item(number)
    if item is None:
        return _no_line_item(number)
    return _json(_line_item_json(number, item), media_type=MediaType.LINEITEM)


@bp.put("/lineitems/<id:number>")
@csrf.exempt
@_requires(AgsScope.LINEITEM)
def replace_line_item(number: int) -> ResponseReturnValue:
    item = _platform().gradebook.replace(number, _body(MediaType.LINEITEM))
    if item is None:
        return _no_line_item(number)
    return _json(_line_item_json(number, item), media_type=MediaType.LINEITEM)


@bp.delete("/lineitems/<id:number>")
@csrf.exempt
@_requires(AgsScope.LINEITEM)
def delete_line_item(number: int) -> ResponseReturnValue:
    if not _platform().gradebook.delete(number):
        return _no_line_item(number)
    return Response(status=204)


# -- AGS: scores and results ----------------------------------------------------------------


@bp.post("/lineitems/<id:number>/scores")
@csrf.exempt
@_requires(AgsScope.SCORE)
def score(number: int) -> ResponseReturnValue:
    members = {person.sub for person in ROSTER}
    kept = _platform().gradebook.record(number, _body(MediaType.SCORE), members)
    if kept is None:
        return _no_line_item(number)
    # An older score than the one held is ignored, and that is not an error (AGS §3.4.4).
    return Response(status=204)


@bp.get("/lineitems/<id:number>/results")
@_requires(AgsScope.RESULT_READONLY)
def results(number: int) -> ResponseReturnValue:
    platform = _platform()
    if platform.gradebook.line_item(number) is None:
        return _no_line_item(number)
    wanted = request.args.get("user_id")
    url = platform.line_item_url(number)
    rows = [
        {
            "id": f"{url}/results/{user}",
            "scoreOf": url,
            "userId": user,
            "resultScore": held.get("scoreGiven"),
            "resultMaximum": held.get("scoreMaximum"),
            "comment": held.get("comment"),
        }
        for user, held in platform.gradebook.scores(number).items()
        if wanted is None or user == wanted
    ]
    return _paged(rows, RESULTS_PAGE, MediaType.RESULT_CONTAINER)


# -- NRPS -----------------------------------------------------------------------------------


@bp.get("/memberships")
@_requires(NRPS_SCOPE)
def memberships() -> ResponseReturnValue:
    role = request.args.get("role")
    members = [
        {
            "user_id": person.sub,
            "name": person.name,
            "roles": list(person.roles),
            "status": str(person.status),
        }
        for person in ROSTER
        if role is None or role in person.roles
    ]
    container_id = _platform().memberships_url
    context = {key: COURSE[key] for key in ("id", "label", "title")}
    return _paged(
        members,
        MEMBERS_PAGE,
        MediaType.MEMBERSHIP_CONTAINER,
        wrap=lambda page: {"id": container_id, "context": context, "members": page},
    )
