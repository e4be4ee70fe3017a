"""The administrator's blueprint, and who may use it."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from flask import Blueprint
from flask_babel import gettext

from lti_tool.errors import ForbiddenError
from lti_tool.models import Role
from lti_tool.sessions import launch_required, required_launch

bp = Blueprint("admin", __name__, url_prefix="/admin")


def administrator_required(view: Callable[..., Any]) -> Callable[..., Any]:
    """Refuse (401/403) a request unless its launch is an LMS administrator's."""

    @functools.wraps(view)
    @launch_required
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if required_launch().role is not Role.ADMINISTRATOR:
            raise ForbiddenError(
                gettext("This page is for LMS administrators."),
                advice=gettext("Ask your LMS administrator to revoke a credential."),
            )
        return view(*args, **kwargs)

    return wrapped
