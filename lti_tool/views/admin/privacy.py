"""Learners' data for the LMS administrator: erasing a learner on request, the access log.

A course's Administrator reaches the learners of their course, an institution or system
administrator every learner of the deployment (``lti_tool.privacy.reach``). Erasing takes
two steps: a page that says what will go, then a form that must be confirmed.
"""

from __future__ import annotations

from typing import Any

from flask import abort, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext

from lti_tool.db import get_session, read_only
from lti_tool.models import User
from lti_tool.privacy import access_log, erasure
from lti_tool.privacy.reach import Reach, courses_of, learner_in_reach, search
from lti_tool.sessions import required_launch
from lti_tool.settings import current_settings
from lti_tool.views.admin.base import administrator_required, bp


@bp.get("/privacy")
@read_only
@administrator_required
def learners_data() -> ResponseReturnValue:
    """Find a learner to erase; the erasures made here."""
    launch = required_launch()
    session = get_session()
    reach = Reach.of(launch)
    query = request.args.get("q", "")[:200]
    found = search(session, reach, query)
    return render_template(
        "privacy/admin.html",
        launch=launch,
        whole_deployment=reach.context_id is None,
        query=query,
        found=[(user, courses_of(session, reach, user.id)) for user in found],
        records=erasure.recent(session, reach),
        erased=request.args.get("erased", type=int),
    )


def _learner_or_404(user_id: int) -> tuple[Reach, User]:
    launch = required_launch()
    reach = Reach.of(launch)
    user = learner_in_reach(get_session(), reach, user_id)
    if user is None:
        abort(404, gettext("There is no such learner within your reach."))
    return reach, user


def _confirm_page(user_id: int, status: int = 200, **form: Any) -> ResponseReturnValue:
    reach, user = _learner_or_404(user_id)
    session = get_session()
    return render_template(
        "privacy/erase.html",
        launch=required_launch(),
        learner=user,
        courses=courses_of(session, reach, user.id),
        preview=erasure.preview(session, reach, user),
        form=form,
    ), status


@bp.get("/privacy/erase/<id:user_id>")
@read_only
@administrator_required
def erase_confirm(user_id: int) -> ResponseReturnValue:
    """What erasing this learner removes, and the form that does it."""
    return _confirm_page(user_id)


@bp.post("/privacy/erase/<id:user_id>")
@administrator_required
def erase_learner(user_id: int) -> ResponseReturnValue:
    reach, user = _learner_or_404(user_id)
    launch = required_launch()
    reason = request.form.get("reason", "")[:2000]
    revoke = request.form.get("revoke_credentials") == "on"
    if request.form.get("confirm") != "erase":
        error = gettext(
            "Tick the box to confirm that this learner's data is to be erased: nothing was erased."
        )
        return _confirm_page(user_id, 422, error=error, reason=reason, revoke=revoke)
    record = erasure.erase(
        get_session(),
        current_settings(),
        reach,
        user,
        erasure.Request(
            requested_by=f"lms-administrator:user-{launch.user_id}",
            actor_id=launch.user_id,
            actor_role=launch.role.value,
            reason=reason,
            revoke_credentials=revoke,
        ),
    )
    return redirect(url_for("admin.learners_data", erased=record.id))


@bp.get("/privacy/access-log")
@read_only
@administrator_required
def access_log_page() -> ResponseReturnValue:
    """Who looked at learners' work, newest first, a page at a time."""
    page = request.args.get("page", "1")
    if not page.isdigit() or int(page) < 1:
        abort(404, gettext("There is no such page of the access log."))
    found = access_log.listing(get_session(), required_launch(), int(page))
    return render_template(
        "privacy/access_log.html",
        launch=required_launch(),
        listed=found.rows,
        page=int(page),
        pages=found.pages,
        total=found.total,
    )
