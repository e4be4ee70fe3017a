"""The console's keys: the tool's LTI signing keys (lti_tool.lti.keys, published at
/lti/jwks.json) and the credential issuer's (lti_tool.credentials.keys, in did.json):
listed, rotated and retired through the functions ``skillcert keys`` and ``skillcert
credentials keys`` call.
"""

from __future__ import annotations

import datetime as dt

from flask import abort, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from werkzeug.wrappers import Response

from lti_tool.credentials import keys as issuer_keys
from lti_tool.db import get_session
from lti_tool.lti import keys as tool_keys
from lti_tool.models import utcnow
from lti_tool.settings import current_settings
from lti_tool.views.operator.access import bp, operator_required, record


def _keys_page(status: int = 200, error: str = "") -> ResponseReturnValue:
    session = get_session()
    page = render_template(
        "operator/keys.html",
        tool_keys=tool_keys.published_keys(session),
        issuer_keys=issuer_keys.published_keys(session),
        overlap_days=current_settings().key_overlap_days,
        now=utcnow(),
        done=request.args.get("done", ""),
        error=error,
    )
    return page, status


def _done(what: str) -> Response:
    return redirect(url_for("operator.keys", done=what), 303)


@bp.get("/keys")
@operator_required
def keys() -> ResponseReturnValue:
    return _keys_page()


@bp.post("/keys/tool/rotate")
@operator_required
def rotate_tool_key() -> Response:
    days = current_settings().key_overlap_days
    key = tool_keys.rotate(get_session(), dt.timedelta(days=days))
    record("key.rotate", f"tool key {key.kid}", overlap_days=days)
    return _done("tool_rotated")


@bp.post("/keys/tool/<kid>/retire")
@operator_required
def retire_tool_key(kid: str) -> ResponseReturnValue:
    try:
        key = tool_keys.retire(get_session(), kid)
    except ValueError:
        return _keys_page(409, gettext("This key signs: rotate first, then retire it."))
    if key is None:
        abort(404, gettext("No published tool key has this kid."))
    record("key.retire", f"tool key {kid}")
    return _done("tool_retired")


@bp.post("/keys/issuer/rotate")
@operator_required
def rotate_issuer_key() -> Response:
    key = issuer_keys.rotate(get_session())
    record("issuer_key.rotate", f"issuer key {key.public_key_multibase}")
    return _done("issuer_rotated")


@bp.post("/keys/issuer/<public_key_multibase>/retire")
@operator_required
def retire_issuer_key(public_key_multibase: str) -> ResponseReturnValue:
    if request.form.get("confirm") != "yes":
        return _keys_page(
            422,
            gettext(
                "Nothing was retired: tick the box to confirm that credentials signed with "
                "this key will no longer verify."
            ),
        )
    if issuer_keys.retire(get_session(), public_key_multibase) is None:
        abort(404, gettext("No published issuer key is this one."))
    record("issuer_key.retire", f"issuer key {public_key_multibase}")
    return _done("issuer_retired")
