"""The console's LMS registrations and deployments: the list, one registration's page, what
to enter in the LMS, and the one-click changes (approve, switch off and on, add a
deployment). The add and edit forms are in ``registration_form``.

Every change goes through lti_tool.lti.registrations, as the CLI's do, and is written to
the audit log in the same transaction.
"""

from __future__ import annotations

import json

from flask import abort, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from werkzeug.wrappers import Response

from lti_tool.db import get_session
from lti_tool.lti import registrations as changes
from lti_tool.lti.presets import load_presets
from lti_tool.models import Deployment, Registration
from lti_tool.operations import platforms
from lti_tool.settings import current_settings
from lti_tool.views.operator.access import bp, operator_required, record


def registration_or_404(registration_id: int) -> Registration:
    registration = platforms.registration(get_session(), registration_id)
    if registration is None:
        abort(404, gettext("There is no such registration."))
    return registration


def _deployment_or_404(registration_id: int, deployment_id: int) -> Deployment:
    deployment = platforms.deployment(get_session(), registration_id, deployment_id)
    if deployment is None:
        abort(404, gettext("This registration has no such deployment."))
    return deployment


def _back_to(registration_id: int, done: str) -> Response:
    """After a change: the registration's page, saying what was done."""
    url = url_for("operator.registration_page", registration_id=registration_id, done=done)
    return redirect(url, 303)


def lms_setup_text(lms: str) -> str:
    """What the LMS administrator enters (Canvas: its developer-key JSON), as text."""
    setup = changes.platform_setup(lms, current_settings())
    return setup if isinstance(setup, str) else json.dumps(setup, indent=2)


@bp.get("/registrations")
@operator_required
def registrations() -> ResponseReturnValue:
    """Every registration with its deployments, and their states."""
    return render_template(
        "operator/registrations.html",
        registrations=platforms.registrations(get_session()),
        presets=load_presets(),
    )


@bp.get("/registrations/<id:registration_id>")
@operator_required
def registration_page(registration_id: int) -> ResponseReturnValue:
    """A registration: its values, deployments, warnings, the platform's configuration as
    fetched at Dynamic Registration, and what to enter in the LMS."""
    registration = registration_or_404(registration_id)
    return registration_view(registration, done=request.args.get("done", ""))


def registration_view(
    registration: Registration, status: int = 200, **shown: object
) -> ResponseReturnValue:
    configuration = registration.platform_configuration
    page = render_template(
        "operator/registration.html",
        registration=registration,
        preset=load_presets().get(registration.preset),
        configuration=json.dumps(configuration, indent=2, sort_keys=True) if configuration else "",
        lms_setup=lms_setup_text(registration.preset),
        **shown,
    )
    return page, status


@bp.get("/registrations/lms-setup")
@operator_required
def lms_setup() -> ResponseReturnValue:
    """What to enter in an LMS before registering it here."""
    presets = load_presets()
    lms = request.args.get("lms", "")
    if lms and lms not in presets:
        abort(404, gettext("There is no such LMS preset."))
    return render_template(
        "operator/lms_setup.html",
        presets=presets,
        lms=lms,
        text=lms_setup_text(lms) if lms else "",
    )


@bp.post("/registrations/<id:registration_id>/approve")
@operator_required
def approve(registration_id: int) -> Response:
    registration = registration_or_404(registration_id)
    if registration.pending_since is None:
        return _back_to(registration_id, "not_pending")
    changes.approve_registration(registration)
    record(
        "registration.approve",
        f"registration {registration.id}",
        issuer=registration.issuer,
        client_id=registration.client_id,
    )
    return _back_to(registration_id, "approved")


@bp.post("/registrations/<id:registration_id>/<any(enable, disable):change>")
@operator_required
def switch_registration(registration_id: int, change: str) -> Response:
    registration = registration_or_404(registration_id)
    if registration.pending_since is not None:
        return _back_to(registration_id, "pending")
    changes.set_registration_active(registration, change == "enable")
    record(
        f"registration.{change}",
        f"registration {registration.id}",
        issuer=registration.issuer,
        client_id=registration.client_id,
    )
    return _back_to(registration_id, f"{change}d")


@bp.post(
    "/registrations/<id:registration_id>/deployments/<id:deployment_id>/"
    "<any(enable, disable):change>"
)
@operator_required
def switch_deployment(registration_id: int, deployment_id: int, change: str) -> Response:
    deployment = _deployment_or_404(registration_id, deployment_id)
    if change == "enable":
        changes.enable_deployment(deployment)
    else:
        changes.disable_deployment(deployment)
    record(
        f"deployment.{change}",
        f"deployment {deployment.id}",
        registration_id=registration_id,
        deployment_id=deployment.deployment_id,
    )
    return _back_to(registration_id, f"deployment_{change}d")


@bp.post("/registrations/<id:registration_id>/deployments")
@operator_required
def add_deployment(registration_id: int) -> ResponseReturnValue:
    registration = registration_or_404(registration_id)
    deployment_id = request.form.get("deployment_id", "").strip()[:255]
    name = request.form.get("name", "").strip()[:200]
    error = ""
    if not deployment_id:
        error = gettext("Give the deployment ID the LMS shows.")
    else:
        try:
            deployment = changes.add_deployment(get_session(), registration, deployment_id, name)
        except ValueError as exc:
            error = str(exc)
    if error:
        form = {"deployment_id": deployment_id, "name": name}
        return registration_view(registration, 422, deployment_error=error, deployment_form=form)
    record(
        "deployment.add",
        f"deployment {deployment.id}",
        registration_id=registration_id,
        deployment_id=deployment_id,
    )
    return _back_to(registration_id, "deployment_added")
