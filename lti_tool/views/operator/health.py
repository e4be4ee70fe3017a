"""The health page: is everything SkillCert needs working, dead jobs to send again, and the
error reports of a reference id a person was shown.

``/operator/health.json`` has the same figures for monitoring (numbers and yes/no, no
reason or report text). It answers a signed-in operator, or a monitor that sends the
``metrics_token`` setting as a bearer token as Prometheus does for ``/metrics``: a monitor
cannot sign in with a TOTP code, and that token is already the installation's monitoring
credential; without the setting only a signed-in operator gets the figures.
"""

from __future__ import annotations

from flask import abort, jsonify, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext

from lti_tool import error_reports
from lti_tool.db import get_session
from lti_tool.jobs.heartbeats import SILENT_AFTER
from lti_tool.models import utcnow
from lti_tool.operations import health as figures
from lti_tool.settings import current_settings
from lti_tool.views.operator.access import bp, current_operator, operator_required, record
from lti_tool.views.public import metrics_token_given


def _health() -> figures.Health:
    return figures.health(get_session(), current_settings().redis_url, utcnow())


@bp.get("/health")
@operator_required
def health() -> ResponseReturnValue:
    asked = request.args.get("reference", "").strip()
    reference = figures.normalise_reference(asked)
    found = _health()
    return render_template(
        "operator/health.html",
        active_page="health",
        health=found,
        silent_after=SILENT_AFTER,
        asked=asked[:100],
        bad_reference=bool(asked) and not reference,
        reports=figures.error_reports(get_session(), reference) if reference or not asked else [],
        listed=figures.LISTED,
        kept=error_reports.KEEP,
        retried=request.args.get("retried", ""),
    )


@bp.get("/health.json")
def health_json() -> ResponseReturnValue:
    if not metrics_token_given() and current_operator() is None:
        body = {
            "error": gettext("Sign in to the operator console, or send the metrics token."),
            "advice": gettext(
                "Monitors send the metrics_token setting as Authorization: Bearer <token>."
            ),
        }
        return jsonify(body), 401, {"WWW-Authenticate": 'Bearer realm="health"'}
    return jsonify(figures.as_json(_health()))


@bp.post("/health/jobs/<id:job_id>/retry")
@operator_required
def retry_job(job_id: int) -> ResponseReturnValue:
    """Send a dead job again (attempts start over); the audit log says who did."""
    job = figures.retry_dead_job(get_session(), job_id, "the operator console")
    if job is None:
        abort(
            404,
            gettext(
                "There is no dead job %(id)s to send again: it was sent again already, or a "
                "newer job took its place.",
                id=job_id,
            ),
        )
    record("job.retry", f"job {job_id}", kind=job.kind)
    return redirect(url_for("operator.health", retried=job_id, _anchor="dead-jobs"))
