"""Deep Linking: the picker the LMS opens, and the signed answer that places the chosen items."""

from __future__ import annotations

from flask import render_template
from flask.typing import ResponseReturnValue

from assessments.catalog import translated_tracks
from lti_tool.db import get_session, read_only
from lti_tool.i18n import ui_language
from lti_tool.learning.catalogue import picker_tracks
from lti_tool.lti.deep_linking import (
    DeepLinkingSettings,
    LineItem,
    ResourceLinkItem,
    response_token,
)
from lti_tool.lti.keys import ensure_key
from lti_tool.lti.urls import launch_url
from lti_tool.models import (
    Deployment,
    Registration,
)
from lti_tool.placements import SCORE_MAXIMUM, Placement
from lti_tool.sessions import instructor_required, required_launch
from lti_tool.settings import current_settings
from lti_tool.views.instructor.base import (
    bp,
    chosen_placements,
)

#: The line-item tag that marks SkillCert's columns in the LMS gradebook.
LINE_ITEM_TAG = "skillcert"


@bp.get("/deep-link")
@read_only
@instructor_required
def deep_link() -> ResponseReturnValue:
    launch = required_launch()
    deep_linking = DeepLinkingSettings.from_claims(launch.claims)
    # The picker shows the content in the page's language; the LMS gets the original titles.
    tracks = picker_tracks(translated_tracks(ui_language(), current_settings().tracks_dir))
    return render_template(
        "instructor/deep_link.html", launch=launch, settings=deep_linking, tracks=tracks
    )


@bp.post("/deep-link")
@instructor_required
def deep_link_return() -> ResponseReturnValue:
    """Sign the chosen placements and send them back to the LMS (LTI Deep Linking 2.0)."""
    launch = required_launch()
    deep_linking = DeepLinkingSettings.from_claims(launch.claims)
    items = [_content_item(placement) for placement in chosen_placements()]
    session = get_session()
    registration = session.get_one(Registration, launch.registration_id)
    deployment = session.get_one(Deployment, launch.deployment_id)
    token = response_token(
        platform_issuer=registration.issuer,
        client_id=registration.client_id,
        deployment_id=deployment.deployment_id,
        settings=deep_linking,
        items=items,
        key=ensure_key(session),
    )
    return render_template(
        "lti/deep_link_return.html", return_url=deep_linking.return_url, token=token, items=items
    )


def _content_item(placement: Placement) -> ResourceLinkItem:
    line_item = None
    if placement.graded:
        line_item = LineItem(
            label=placement.title,
            score_maximum=SCORE_MAXIMUM,
            resource_id=placement.resource_id,
            tag=LINE_ITEM_TAG,
        )
    return ResourceLinkItem(
        title=placement.title,
        url=launch_url(current_settings()),
        custom={"skillcert_target": placement.target},
        line_item=line_item,
    )
