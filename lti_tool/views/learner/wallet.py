"""The learner's wallet: ``/learn/credentials``, their choices for credentials and their
learner record (CLR 2.0)."""

from __future__ import annotations

import json
from typing import Any

from flask import Response, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy.orm import Session

from assessments.catalog import list_tracks
from lti_tool.credentials import clr, wallet
from lti_tool.credentials.document import page_url
from lti_tool.db import get_session, read_only, rollback
from lti_tool.i18n import ui_language
from lti_tool.learning import learner_overview
from lti_tool.models import AccessKind, utcnow
from lti_tool.privacy import access_log
from lti_tool.scope import CurrentLaunch
from lti_tool.sessions import launch_required, required_launch
from lti_tool.settings import current_settings
from lti_tool.views.learner.base import bp, served_tracks


def _page(
    status: int = 200, record_error: clr.EmptyRecordError | None = None, **form: Any
) -> ResponseReturnValue:
    """The wallet; ``form`` re-renders refused choices with what the learner typed."""
    launch = required_launch()
    session = get_session()
    tracks = served_tracks()
    return render_template(
        "learner/credentials.html",
        launch=launch,
        entries=wallet.entries(session, launch, tracks, utcnow()),
        preference=wallet.preference(session, launch.user_id),
        share_url=lambda credential: page_url(current_settings(), credential.id),
        smtp=bool(current_settings().smtp_host),
        saved=request.args.get("saved") == "1",
        record_error=record_error,
        form=form,
    ), status


@bp.get("/credentials")
@read_only
@launch_required
def wallet_page() -> ResponseReturnValue:
    return _page()


@bp.post("/credentials/preferences")
@launch_required
def save_wallet_preferences() -> ResponseReturnValue:
    """Include my name in new credentials; remind me by email (the address I give)."""
    launch = required_launch()
    reminders = request.form.get("reminders") == "on"
    email = request.form.get("email", "")
    try:
        wallet.save_preference(
            get_session(),
            launch.user_id,
            include_name=request.form.get("include_name") == "on",
            reminders=reminders,
            email=email,
            locale=ui_language(),
        )
    except wallet.PreferenceError as exc:
        rollback()
        return _page(422, email=email, reminders=reminders, error=exc.message)
    return redirect(url_for("learner.wallet_page", saved=1))


def _competency_results(session: Session, launch: CurrentLaunch) -> list[clr.CompetencyResult]:
    """The learner's mastery of each competency with graded work in this course, worded as
    the tracks are written (a credential's language), not translated."""
    tracks = list_tracks(current_settings().tracks_dir)
    return [
        clr.CompetencyResult(overview.track, summary.competency, mastery)
        for overview in learner_overview.overviews(session, launch, tracks)
        for summary in overview.competencies
        if (mastery := summary.mean) is not None
    ]


@bp.get("/credentials/learner-record.json")
@launch_required
def learner_record() -> ResponseReturnValue:
    """The learner's own CLR 2.0 record, signed now, as a download; recorded in the access
    log as their export of their own data is. Not read-only: the first signature of an
    issuer without keys creates its key."""
    launch, session = required_launch(), get_session()
    try:
        record = clr.learner_record(
            session, current_settings(), launch, _competency_results(session, launch), utcnow()
        )
    except clr.EmptyRecordError as exc:
        rollback()
        return _page(404, record_error=exc)
    access_log.record(
        session, launch, AccessKind.EXPORT, learner_id=launch.user_id, detail=clr.LOG_DETAIL
    )
    response = Response(json.dumps(record, ensure_ascii=False), mimetype="application/json")
    response.headers["Content-Disposition"] = 'attachment; filename="learner-record.json"'
    response.headers["Cache-Control"] = "no-store"
    return response
