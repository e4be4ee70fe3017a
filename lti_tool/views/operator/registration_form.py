"""Adding an LMS registration in the console, and changing one: the same checks as
``skillcert platform add`` (lti_tool.lti.registrations), whose error is shown on the form
with what was typed; nothing is stored then. Warnings (values that look mistyped) are
kept on the registration for its page.
"""

from __future__ import annotations

from flask import redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from lti_tool.db import get_session
from lti_tool.lti import registrations as changes
from lti_tool.lti.presets import load_presets
from lti_tool.models import Registration
from lti_tool.settings import current_settings
from lti_tool.views.operator.access import bp, operator_required, record
from lti_tool.views.operator.registrations import registration_or_404, registration_view

#: The add form's text fields, as add_platform names them.
ADD_FIELDS = (
    "preset",
    "name",
    "issuer",
    "client_id",
    "deployment_id",
    "site_url",
    "auth_login_url",
    "auth_token_url",
    "key_set_url",
    "auth_audience",
)
#: The edit form's text fields: what may change once registered.
EDIT_FIELDS = ("name", "auth_login_url", "auth_token_url", "key_set_url", "auth_audience")
MAX_FIELD = 1000


def _typed(fields: tuple[str, ...]) -> dict[str, str]:
    return {field: request.form.get(field, "").strip()[:MAX_FIELD] for field in fields}


def _frame_origins(text: str) -> tuple[str, ...]:
    """One origin a line (commas and spaces also separate them)."""
    return tuple(part for part in text.replace(",", " ").split() if part)


def _form_page(
    registration: Registration | None, form: dict[str, str], status: int = 200, error: str = ""
) -> ResponseReturnValue:
    page = render_template(
        "operator/registration_form.html",
        registration=registration,
        form=form,
        presets=load_presets(),
        error=error,
    )
    return page, status


@bp.get("/registrations/new")
@operator_required
def new_registration() -> ResponseReturnValue:
    return _form_page(None, {"preset": request.args.get("lms", "generic")})


@bp.post("/registrations/new")
@operator_required
def add_registration() -> ResponseReturnValue:
    form = _typed(ADD_FIELDS)
    form["frame_origins"] = request.form.get("frame_origins", "")[:MAX_FIELD]
    warnings: list[str] = []
    try:
        registration = changes.add_platform(
            get_session(),
            current_settings(),
            preset=form["preset"] or "generic",
            client_id=form["client_id"],
            name=form["name"] or None,
            issuer=form["issuer"] or None,
            deployment_id=form["deployment_id"] or None,
            site_url=form["site_url"] or None,
            auth_login_url=form["auth_login_url"] or None,
            auth_token_url=form["auth_token_url"] or None,
            key_set_url=form["key_set_url"] or None,
            auth_audience=form["auth_audience"] or None,
            frame_origins=_frame_origins(form["frame_origins"]),
            warn=warnings.append,
        )
    except ValueError as exc:
        return _form_page(None, form, 422, str(exc))
    registration.registration_warnings = warnings
    record(
        "registration.add",
        f"registration {registration.id}",
        issuer=registration.issuer,
        client_id=registration.client_id,
        deployment_id=form["deployment_id"],
    )
    return _redirect_to(registration, "added")


@bp.get("/registrations/<id:registration_id>/edit")
@operator_required
def edit_registration(registration_id: int) -> ResponseReturnValue:
    registration = registration_or_404(registration_id)
    form = {field: getattr(registration, field) or "" for field in EDIT_FIELDS}
    form["frame_origins"] = "\n".join(registration.frame_origins or [])
    form["serial_requests"] = "on" if registration.serial_requests else ""
    return _form_page(registration, form)


@bp.post("/registrations/<id:registration_id>/edit")
@operator_required
def change_registration(registration_id: int) -> ResponseReturnValue:
    registration = registration_or_404(registration_id)
    form = _typed(EDIT_FIELDS)
    form["frame_origins"] = request.form.get("frame_origins", "")[:MAX_FIELD]
    form["serial_requests"] = "on" if request.form.get("serial_requests") else ""
    warnings: list[str] = []
    try:
        changed = changes.update_platform(
            current_settings(),
            registration,
            **{field: form[field] for field in EDIT_FIELDS},
            frame_origins=_frame_origins(form["frame_origins"]),
            serial_requests=bool(form["serial_requests"]),
            warn=warnings.append,
        )
    except ValueError as exc:
        return _form_page(registration, form, 422, str(exc))
    if changed:
        record("registration.edit", f"registration {registration.id}", **changed)
    if warnings:
        # Shown now, not stored: the registration's own warnings are from registering it.
        return registration_view(registration, done="changed", warnings_now=warnings)
    return _redirect_to(registration, "changed" if changed else "unchanged")


def _redirect_to(registration: Registration, done: str) -> ResponseReturnValue:
    url = url_for("operator.registration_page", registration_id=registration.id, done=done)
    return redirect(url, 303)
