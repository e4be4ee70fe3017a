"""Revoking a credential from a form: one rule for the LMS administrator's page and the
operator console."""

from __future__ import annotations

from flask import request
from flask_babel import gettext

from lti_tool.credentials import issuing
from lti_tool.db import get_session, rollback
from lti_tool.models import Credential
from lti_tool.settings import current_settings


def revoke_from_form(credential_id: str, *, by: str) -> Credential | str:
    """Revoke with the form's reason (required); the revoked credential, or the message for
    the person when it cannot be done."""
    reason = request.form.get("reason", "")
    if not reason.strip():
        return gettext("Give the reason for revoking: it is recorded with the revocation.")
    try:
        return issuing.revoke(
            get_session(), current_settings(), credential_id, by=by, reason=reason
        )
    except issuing.CredentialError:  # revoked meanwhile (the only refusal left)
        rollback()
        return gettext("This credential is already revoked.")
