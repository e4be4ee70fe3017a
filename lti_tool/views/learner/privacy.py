"""``/learn/privacy``: what SkillCert keeps about the learner, and a copy of all of it."""

from __future__ import annotations

import tempfile

from flask import render_template, send_file
from flask.typing import ResponseReturnValue

from lti_tool.db import get_session, read_only
from lti_tool.models import AccessKind
from lti_tool.privacy import access_log, export
from lti_tool.sessions import launch_required, required_launch
from lti_tool.settings import current_settings
from lti_tool.views.learner.base import bp

#: Exports up to this size stay in memory; larger ones spill to a temporary file.
IN_MEMORY_BYTES = 8 * 1024 * 1024


@bp.get("/privacy")
@read_only
@launch_required
def privacy_page() -> ResponseReturnValue:
    return render_template(
        "privacy/learner.html", launch=required_launch(), settings=current_settings()
    )


@bp.post("/privacy/export")
@launch_required
def privacy_export() -> ResponseReturnValue:
    """Everything SkillCert keeps about this learner in this LMS, as a ZIP download."""
    launch = required_launch()
    session = get_session()
    access_log.record(session, launch, AccessKind.EXPORT, learner_id=launch.user_id)
    session.flush()
    # Closed by werkzeug once sent.
    out = tempfile.SpooledTemporaryFile(max_size=IN_MEMORY_BYTES)  # noqa: SIM115
    export.write_zip(session, launch.registration_id, launch.user_id, out)
    out.seek(0)
    response = send_file(
        out,
        mimetype="application/zip",
        as_attachment=True,
        download_name="skillcert-my-data.zip",
    )
    response.headers["Cache-Control"] = "no-store"
    return response
