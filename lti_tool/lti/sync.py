"""Record what a validated launch tells us: context, resource link, user, membership."""

from __future__ import annotations

import dataclasses
from typing import Any

from sqlalchemy import Connection, select

from lti_tool.deadlines import parse_moment
from lti_tool.lti import course_copy, sections
from lti_tool.lti.constants import Claim
from lti_tool.lti.launch import ValidatedLaunch
from lti_tool.lti.roles import administers_deployment, skillcert_role
from lti_tool.models import Context, Membership, MemberStatus, ResourceLink, User, utcnow
from lti_tool.placements import TARGET
from lti_tool.scope import ADMINISTERS_DEPLOYMENT
from lti_tool.upsert import upsert_returning_id

#: The custom parameter Deep Linking gives each link we place.
TARGET_PARAMETER = "skillcert_target"
#: Custom parameters Deep Linking gives each link we place, for the dates the LMS holds
#: at launch time (LTI Core 1.3 substitution variables; DL 2.0 §3.2 says the platform may
#: change the dates it was sent, and tools use these to get the actual values). Each is
#: named after the resource link column it fills.
DATE_PARAMETERS = {
    "skillcert_available_from": "$ResourceLink.available.startDateTime",
    "skillcert_available_until": "$ResourceLink.available.endDateTime",
    "skillcert_submission_from": "$ResourceLink.submission.startDateTime",
    "skillcert_due_at": "$ResourceLink.submission.endDateTime",
}
SECTION_PARAMETERS = sections.SECTION_PARAMETERS

#: Claims later requests need (services, return URL, deep linking); nothing personal.
_KEPT_CLAIMS = (
    Claim.LAUNCH_PRESENTATION,
    Claim.AGS_ENDPOINT,
    Claim.NRPS_SERVICE,
    Claim.DEEP_LINKING_SETTINGS,
    Claim.CUSTOM,
    Claim.TOOL_PLATFORM,
)


def claim_text(value: Any, limit: int) -> str:
    """A claim's text cut to its column's length; empty when it is not text."""
    return value[:limit] if isinstance(value, str) else ""


def _placed_target(claims: dict[str, Any]) -> str | None:
    custom = claims.get(Claim.CUSTOM)
    value = custom.get(TARGET_PARAMETER) if isinstance(custom, dict) else None
    return value if isinstance(value, str) and TARGET.fullmatch(value) else None


def _link_dates(claims: dict[str, Any]) -> dict[str, Any]:
    """The resource link's dates this launch reports, by column; only what it says.

    An ISO 8601 value sets its column (no zone: UTC). A value left as the ``$…`` variable
    (a platform that does not substitute it), absent, or unreadable leaves the column as
    it is, so such a platform never wipes the dates. An empty value clears the column only
    when the same launch substituted another of the four: that platform substitutes, and
    empty means the date was removed. Shown to people, never used to allow or refuse
    anything.
    """
    custom = claims.get(Claim.CUSTOM)
    if not isinstance(custom, dict):
        return {}
    given = {
        name.removeprefix("skillcert_"): custom[name]
        for name in DATE_PARAMETERS
        if isinstance(custom.get(name), str)
    }
    substitutes = any(not value.startswith("$") for value in given.values())
    dates: dict[str, Any] = {}
    for column, value in given.items():
        if not value.strip():
            if substitutes:
                dates[column] = None
        elif (moment := parse_moment(value)) is not None:
            dates[column] = moment
    return dates


def _url(value: Any) -> str | None:
    return value if isinstance(value, str) and 0 < len(value) <= 1000 else None


def _service_endpoints(claims: dict[str, Any]) -> tuple[dict[str, Any], str | None]:
    """The context's AGS and NRPS URLs this launch names, and the link's own line item URL.

    Only what the launch sent is returned, so a launch without the claims (a deep-linking
    request, an LMS that sends them to instructors only) keeps what earlier launches stored.
    """
    context_values: dict[str, Any] = {}
    lineitem = None
    ags = claims.get(Claim.AGS_ENDPOINT)
    if isinstance(ags, dict):
        scopes = ags.get("scope")
        if isinstance(scopes, list):
            context_values["ags_scopes"] = [s for s in scopes if isinstance(s, str)][:10]
        if lineitems := _url(ags.get("lineitems")):
            context_values["ags_lineitems_url"] = lineitems
        lineitem = _url(ags.get("lineitem"))
    nrps = claims.get(Claim.NRPS_SERVICE)
    if isinstance(nrps, dict) and (memberships := _url(nrps.get("context_memberships_url"))):
        context_values["nrps_memberships_url"] = memberships
    return context_values, lineitem


@dataclasses.dataclass(frozen=True)
class RecordedLaunch:
    #: The fields of the launch session this launch opens.
    session_fields: dict[str, Any]
    #: The resource link, when Deep Linking placed it again on something else: its LMS
    #: column needs the new activity's name and points.
    retargeted_link_id: int | None = None
    #: The resource link, when the launch reports other dates than stored: a column
    #: SkillCert made for it carries them (``startDateTime``/``endDateTime``).
    redated_link_id: int | None = None


def record_launch(conn: Connection, launch: ValidatedLaunch) -> RecordedLaunch:
    """Upsert the launch's rows; return its launch session's fields and what changed."""
    claims = launch.claims
    now = utcnow()
    user_id = upsert_returning_id(
        conn,
        User.__table__,
        {
            "registration_id": launch.registration.id,
            "sub": claims["sub"],
            "name": claim_text(claims.get("name"), 500),
            "updated_at": now,
        },
        conflict=("registration_id", "sub"),
        update=("name", "updated_at"),
    )
    lti_roles = claims[Claim.ROLES]
    role = skillcert_role(lti_roles)
    context_id = resource_link_id = retargeted_link_id = redated_link_id = None
    context = claims.get(Claim.CONTEXT)
    services, lineitem_url = _service_endpoints(claims)
    if context and isinstance(context.get("id"), str) and context["id"]:
        context_id = upsert_returning_id(
            conn,
            Context.__table__,
            {
                "deployment_id": launch.deployment_pk,
                "context_id": context["id"][:255],
                "title": claim_text(context.get("title"), 500),
                "label": claim_text(context.get("label"), 255),
                "updated_at": now,
                **services,
            },
            conflict=("deployment_id", "context_id"),
            update=("title", "label", "updated_at", *services),
        )
        upsert_returning_id(
            conn,
            Membership.__table__,
            {
                "context_id": context_id,
                "user_id": user_id,
                "role": role.value,
                "lti_roles": lti_roles,
                "last_launch_at": now,
                "status": MemberStatus.ACTIVE.value,  # whom the LMS launches is in the course
            },
            conflict=("context_id", "user_id"),
            update=("role", "lti_roles", "last_launch_at", "status"),
        )
        link = claims.get(Claim.RESOURCE_LINK)
        if isinstance(link, dict) and isinstance(link.get("id"), str):
            values = {
                "context_id": context_id,
                "resource_link_id": link["id"][:255],
                "title": claim_text(link.get("title"), 500),
                "updated_at": now,
            }
            update = ["title", "updated_at"]
            if lineitem_url is not None:
                values["ags_lineitem_url"] = lineitem_url
                update.append("ags_lineitem_url")
            dates = _link_dates(claims)
            dated_before = _stored_dates(conn, context_id, values["resource_link_id"], dates)
            values.update(dates)
            update.extend(dates)
            target = _placed_target(claims)
            before = None
            if target is not None:  # placed by Deep Linking: the LMS echoes our custom value
                values["target"] = target
                update.append("target")
                before = conn.execute(
                    select(ResourceLink.target).where(
                        ResourceLink.context_id == context_id,
                        ResourceLink.resource_link_id == values["resource_link_id"],
                    )
                ).scalar()
            resource_link_id = upsert_returning_id(
                conn,
                ResourceLink.__table__,
                values,
                conflict=("context_id", "resource_link_id"),
                update=update,
            )
            if before is not None and before != target:  # placed again on something else
                retargeted_link_id = resource_link_id
            if dated_before is not None and dated_before != dates:  # the LMS changed them
                redated_link_id = resource_link_id
            if target is None:  # not placed by Deep Linking: maybe a course copy's link
                course_copy.carry_placement(
                    conn, launch.deployment_pk, resource_link_id, claims.get(Claim.CUSTOM)
                )
        listed = sections.from_launch(claims.get(Claim.CUSTOM))
        if listed is not None:
            sections.store_for_user(conn, context_id, user_id, listed)
    session_fields = {
        "registration_id": launch.registration.id,
        "deployment_id": launch.deployment_pk,
        "context_id": context_id,
        "resource_link_id": resource_link_id,
        "user_id": user_id,
        "role": role.value,
        "message_type": launch.message_type,
        "claims": {
            **{str(c): claims[c] for c in _KEPT_CLAIMS if c in claims},
            **_reviewed_user(claims),
            # Ours alone: the LMS's claims are kept only by the names above.
            **({ADMINISTERS_DEPLOYMENT: True} if administers_deployment(lti_roles) else {}),
        },
    }
    return RecordedLaunch(session_fields, retargeted_link_id, redated_link_id)


def _stored_dates(
    conn: Connection, context_id: int, resource_link_id: str, dates: dict[str, Any]
) -> dict[str, Any] | None:
    """The link's stored values of the date columns in ``dates`` (None: a new link, or a
    launch that reports no dates)."""
    if not dates:
        return None
    columns = [ResourceLink.__table__.c[name] for name in dates]
    row = conn.execute(
        select(*columns).where(
            ResourceLink.context_id == context_id,
            ResourceLink.resource_link_id == resource_link_id,
        )
    ).first()
    return None if row is None else dict(row._mapping)


def _reviewed_user(claims: dict[str, Any]) -> dict[str, Any]:
    """A submission review's ``for_user``, reduced to the id that names the learner
    (the claim may also carry a name and email, which we do not keep)."""
    for_user = claims.get(Claim.FOR_USER)
    if isinstance(for_user, dict) and isinstance(for_user.get("user_id"), str):
        return {str(Claim.FOR_USER): {"user_id": for_user["user_id"][:255]}}
    return {}
