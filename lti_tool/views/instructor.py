"""The instructor's pages, always scoped to the launch's deployment and context."""

from __future__ import annotations

from flask import Blueprint, render_template
from sqlalchemy import select

from lti_tool.db import get_session, read_only
from lti_tool.models import Membership, ResourceLink, User
from lti_tool.sessions import current_launch, instructor_required

bp = Blueprint("instructor", __name__, url_prefix="/teach")


@bp.get("/")
@read_only
@instructor_required
def home():
    launch = current_launch()
    links, roster = [], []
    if launch.context_id is not None:
        session = get_session()
        # context_id comes from the launch session, which is bound to one deployment:
        # nothing from another tenant can match.
        links = session.scalars(
            select(ResourceLink)
            .where(ResourceLink.context_id == launch.context_id)
            .order_by(ResourceLink.title, ResourceLink.id)
        ).all()
        roster = session.execute(
            select(User.name, Membership.role, Membership.last_launch_at)
            .join(User, User.id == Membership.user_id)
            .where(Membership.context_id == launch.context_id)
            .order_by(Membership.role, User.name, User.id)
        ).all()
    return render_template("instructor/home.html", launch=launch, links=links, roster=roster)
