"""Deep Linking: the picker the LMS opens, and the signed answer that places the chosen items."""

from __future__ import annotations

import dataclasses
import datetime as dt

from flask import render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext

from assessments.catalog import translated_tracks
from lti_tool.db import get_session, read_only
from lti_tool.deadlines import parse_moment
from lti_tool.i18n import ui_language
from lti_tool.learning.catalogue import picker_tracks
from lti_tool.lti.deep_linking import (
    DeepLinkingSettings,
    LineItem,
    ResourceLinkItem,
    Window,
    response_token,
)
from lti_tool.lti.keys import ensure_key
from lti_tool.lti.sync import DATE_PARAMETERS, SECTION_PARAMETERS
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
#: The picker's date fields, in order: the link opens, it closes, work is due.
DATE_FIELDS = ("available_from", "available_until", "due_at")


@dataclasses.dataclass(frozen=True)
class PlacementDates:
    """The dates an instructor gave in the picker, and what was wrong with them."""

    typed: dict[str, str]
    available: Window = dataclasses.field(default_factory=Window)
    submission: Window = dataclasses.field(default_factory=Window)
    errors: dict[str, str] = dataclasses.field(default_factory=dict)


def _picker_page(settings: DeepLinkingSettings, dates: PlacementDates, chosen=()):
    launch = required_launch()
    # The picker shows the content in the page's language; the LMS gets the original titles.
    tracks = picker_tracks(
        translated_tracks(ui_language(), current_settings().tracks_dir), chosen=chosen
    )
    return render_template(
        "instructor/deep_link.html", launch=launch, settings=settings, tracks=tracks, dates=dates
    )


@bp.get("/deep-link")
@read_only
@instructor_required
def deep_link() -> ResponseReturnValue:
    deep_linking = DeepLinkingSettings.from_claims(required_launch().claims)
    return _picker_page(deep_linking, PlacementDates({}))


@bp.post("/deep-link")
@instructor_required
def deep_link_return() -> ResponseReturnValue:
    """Sign the chosen placements and send them back to the LMS (LTI Deep Linking 2.0)."""
    launch = required_launch()
    deep_linking = DeepLinkingSettings.from_claims(launch.claims)
    placements = chosen_placements()
    dates = _placement_dates()
    if dates.errors:  # shown beside the fields; nothing is sent
        return _picker_page(deep_linking, dates, [p.target for p in placements]), 422
    session = get_session()
    registration = session.get_one(Registration, launch.registration_id)
    deployment = session.get_one(Deployment, launch.deployment_id)
    items = [_content_item(placement, dates, registration.preset) for placement in placements]
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


def _placement_dates() -> PlacementDates:
    """The picker's optional dates (``datetime-local``: no zone, read as UTC), checked."""
    typed = {name: request.form.get(name, "").strip() for name in DATE_FIELDS}
    moments: dict[str, dt.datetime | None] = {}
    errors: dict[str, str] = {}
    for name, text in typed.items():
        moments[name] = parse_moment(text) if text else None
        if text and moments[name] is None:
            errors[name] = gettext(
                "“%(text)s” is not a date and time. Use the calendar, or write it as "
                "2026-12-31T23:59.",
                text=text,
            )
    start, end, due = (moments[name] for name in DATE_FIELDS)
    if start and end and end <= start:
        errors["available_until"] = gettext("The link must close after it opens.")
    if start and due and due <= start:
        errors["due_at"] = gettext("The due date must come after the link opens.")
    return PlacementDates(typed, Window(start, end), Window(None, due), errors)


def _content_item(placement: Placement, dates: PlacementDates, preset: str) -> ResourceLinkItem:
    line_item = None
    if placement.graded:
        line_item = LineItem(
            label=placement.title,
            score_maximum=SCORE_MAXIMUM,
            resource_id=placement.resource_id,
            tag=LINE_ITEM_TAG,
        )
    # The LMS may change the dates later: each launch asks for the real ones (LTI Core
    # substitution variables, docs/lms/README.md), and sections where Canvas offers them.
    custom = {"skillcert_target": placement.target, **DATE_PARAMETERS}
    if preset == "canvas":
        custom.update(SECTION_PARAMETERS)
    return ResourceLinkItem(
        title=placement.title,
        url=launch_url(current_settings()),
        custom=custom,
        line_item=line_item,
        available=dates.available,
        submission=dates.submission,
    )
