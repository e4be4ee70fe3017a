"""The LMS administrator's credentials page: list this tenant's credentials, revoke one.

Tenant-scoped: credentials of this registration's learners who are members of a course
in this launch's deployment. Only a launch with the Administrator role (institution,
system or course administrator, ``lti_tool/lti/roles.py``) may see it.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from typing import Any

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_babel import gettext
from sqlalchemy import ColumnElement, exists, func, select

from assessments.catalog import list_tracks
from lti_tool.credentials import issuing, wallet
from lti_tool.db import get_session, read_only, rollback
from lti_tool.errors import ForbiddenError
from lti_tool.models import (
    Context,
    Credential,
    CredentialState,
    Membership,
    Role,
    User,
    utcnow,
)
from lti_tool.sessions import CurrentLaunch, current_launch, launch_required, settings

bp = Blueprint("credentials_admin", __name__, url_prefix="/admin/credentials")

PAGE_SIZE = 50
#: The status filter's choices (a renewed credential is listed as active or expiring).
FILTERS = ("active", "expiring", "expired", "revoked")


def administrator_required(view: Callable[..., Any]) -> Callable[..., Any]:
    """Refuse (401/403) a request unless its launch is an LMS administrator's."""

    @functools.wraps(view)
    @launch_required
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if current_launch().role is not Role.ADMINISTRATOR:
            raise ForbiddenError(
                gettext("This page is for LMS administrators."),
                advice=gettext("Ask your LMS administrator to revoke a credential."),
            )
        return view(*args, **kwargs)

    return wrapped


def in_tenant(launch: CurrentLaunch) -> tuple[ColumnElement[bool], ...]:
    """Credentials of this registration whose learner belongs to a course of this deployment."""
    member_here = exists(
        select(Membership.id)
        .join(Context, Context.id == Membership.context_id)
        .where(
            Membership.user_id == Credential.user_id, Context.deployment_id == launch.deployment_id
        )
    )
    return (Credential.registration_id == launch.registration_id, member_here)


def _status_filter(status: str, now: dt.datetime) -> tuple[ColumnElement[bool], ...]:
    active = Credential.state == CredentialState.ACTIVE
    soon = now + dt.timedelta(days=wallet.REMINDER_DAYS[0])
    return {
        "active": (active, Credential.valid_until > soon),
        "expiring": (active, Credential.valid_until > now, Credential.valid_until <= soon),
        "expired": (active, Credential.valid_until <= now),
        "revoked": (Credential.state == CredentialState.REVOKED,),
    }.get(status, ())


def _page(status_code: int = 200, **form: Any):
    launch = current_launch()
    session = get_session()
    now = utcnow()
    track = request.args.get("track", "")
    status = request.args.get("status", "")
    page = max(1, request.args.get("page", 1, type=int) or 1)
    conditions = [*in_tenant(launch), *_status_filter(status, now)]
    if track:
        conditions.append(Credential.track_id == track)
    total = session.scalar(select(func.count()).select_from(Credential).where(*conditions))
    rows = session.execute(
        select(Credential, User.name)
        .join(User, User.id == Credential.user_id)
        .where(*conditions)
        .order_by(Credential.created_at.desc(), Credential.id)
        .limit(PAGE_SIZE)
        .offset((page - 1) * PAGE_SIZE)
    ).all()
    ids = [credential.id for credential, _name in rows]
    renewed = set(
        session.scalars(select(Credential.previous_id).where(Credential.previous_id.in_(ids)))
    )
    listed = [
        (
            credential,
            name,
            wallet.STANDING_LABELS[
                wallet.standing(credential, now, renewed=credential.id in renewed)
            ],
        )
        for credential, name in rows
    ]
    return render_template(
        "credentials/admin.html",
        launch=launch,
        listed=listed,
        tracks=list_tracks(settings().tracks_dir),
        filters=FILTERS,
        track=track,
        status=status,
        page=page,
        pages=max(1, -(-total // PAGE_SIZE)),
        total=total,
        revoked=request.args.get("revoked", ""),
        form=form,
    ), status_code


@bp.get("")
@read_only
@administrator_required
def page():
    return _page()


@bp.post("/<credential_id>/revoke")
@administrator_required
def revoke(credential_id: str):
    """Revoke a credential of this tenant for good, with the reason (required)."""
    launch = current_launch()
    session = get_session()
    found = session.scalar(
        select(Credential.id).where(Credential.id == credential_id, *in_tenant(launch))
    )
    if found is None:
        abort(404, gettext("There is no such credential here."))
    reason = request.form.get("reason", "")
    if not reason.strip():
        error = gettext("Give the reason for revoking: it is recorded with the revocation.")
        return _page(422, credential_id=credential_id, reason=reason, error=error)
    try:
        issuing.revoke(
            session,
            settings(),
            credential_id,
            by=f"lms-administrator:user-{launch.user_id}",
            reason=reason,
        )
    except issuing.CredentialError:  # revoked meanwhile (the only refusal left)
        rollback()
        error = gettext("This credential is already revoked.")
        return _page(422, credential_id=credential_id, reason=reason, error=error)
    return redirect(url_for("credentials_admin.page", revoked=credential_id))
