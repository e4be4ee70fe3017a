"""Grade sync: what reached the LMS's gradebook, what waits, what a teacher changed in the
LMS, and sending a score again."""

from __future__ import annotations

from flask import abort, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext

from lti_tool.db import get_session, read_only
from lti_tool.gradesync import lineitems
from lti_tool.gradesync import status as gradesync_status
from lti_tool.sessions import instructor_required, required_launch
from lti_tool.views.instructor.base import (
    bp,
    served_tracks,
)


@bp.get("/grade-sync")
@read_only
@instructor_required
def grade_sync_page() -> ResponseReturnValue:
    """Where this course's scores stand in the LMS gradebook; failed ones, with a resend."""
    launch = required_launch()
    return render_template(
        "instructor/grade_sync.html",
        launch=launch,
        sync=gradesync_status.course_sync(get_session(), launch),
        changed=gradesync_status.changed_in_lms(get_session(), launch),
        columns=lineitems.course_problems(get_session(), launch, served_tracks()),
        resent=request.args.get("resent") == "1",
    )


@bp.post("/grade-sync/<id:job_id>/send-again")
@instructor_required
def send_grade_again(job_id: int) -> ResponseReturnValue:
    if not gradesync_status.send_again(get_session(), required_launch(), job_id):
        abort(404, gettext("There is no failed score to send again with that number here."))
    return redirect(url_for("instructor.grade_sync_page", resent=1))


@bp.post("/grade-sync/changed/<id:link_id>/<id:user_id>/send-again")
@instructor_required
def send_score_over_change(link_id: int, user_id: int) -> ResponseReturnValue:
    """The instructor's decision to replace a teacher's change in the LMS with SkillCert's score."""
    if not gradesync_status.send_over_change(get_session(), required_launch(), link_id, user_id):
        abort(
            404,
            gettext("There is no grade changed in the LMS to send SkillCert's score over here."),
        )
    return redirect(url_for("instructor.grade_sync_page", resent=1))
