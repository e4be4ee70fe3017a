"""The console's audit log: what operators, the command line and LMSs changed, newest
first, a page at a time, optionally one action only."""

from __future__ import annotations

from flask import abort, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext

from lti_tool.db import get_session
from lti_tool.operations import audit
from lti_tool.views.operator.access import bp, operator_required


@bp.get("/audit")
@operator_required
def audit_log() -> ResponseReturnValue:
    page = request.args.get("page", "1")
    if not page.isdigit() or int(page) < 1:
        abort(404, gettext("There is no such page of the audit log."))
    action = request.args.get("action", "")[:80]
    session = get_session()
    found = audit.listing(session, int(page), action)
    return render_template(
        "operator/audit_log.html",
        entries=found.entries,
        total=found.total,
        page=int(page),
        pages=found.pages,
        action=action,
        actions=audit.actions(session),
    )
