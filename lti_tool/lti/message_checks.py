"""The claims of a launch SkillCert relies on, checked in its own words, then pylti1p3's.

One function per claim or rule, run by :func:`check_message` in a fixed order: which of
several faults a hostile launch is told about depends on that order. Each takes the token's
body (a JSON object: the launch's header check made sure) and raises LaunchError.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import lazy_gettext as _l
from pylti1p3.message_validators import get_validators

from lti_tool.errors import LaunchError
from lti_tool.lti.constants import LTI_VERSION, Claim, MessageType
from lti_tool.lti.deep_linking import DeepLinkingSettings
from lti_tool.lti.urls import is_on_this_tool
from lti_tool.settings import Settings

_SUPPORTED_MESSAGES = frozenset(MessageType)
#: Messages launched from a link in the course, which they must identify.
_LINK_MESSAGES = frozenset({MessageType.RESOURCE_LINK, MessageType.SUBMISSION_REVIEW})


def check_message(body: Mapping[str, Any], settings: Settings) -> None:
    """Every check below, in this order."""
    _check_message_type(body)
    _check_version(body)
    _check_roles(body)
    _check_subject(body)
    _check_resource_link(body)
    _check_target_link_given(body)
    _check_for_user(body)
    _check_target_link_ours(body, settings)
    _check_object_claims(body)
    _check_deep_linking_settings(body)
    _run_pylti1p3_validators(body)


def _check_message_type(body: Mapping[str, Any]) -> None:
    message_type = body.get(Claim.MESSAGE_TYPE)
    if message_type not in _SUPPORTED_MESSAGES:
        raise LaunchError(
            _l(
                "SkillCert does not support LTI messages of type %(type)s.",
                type=repr(message_type),
            )
        )


def _check_version(body: Mapping[str, Any]) -> None:
    if body.get(Claim.VERSION) != LTI_VERSION:
        raise LaunchError(
            _l("SkillCert supports LTI %(version)s launches only.", version=LTI_VERSION)
        )


def _check_roles(body: Mapping[str, Any]) -> None:
    roles = body.get(Claim.ROLES)
    if not isinstance(roles, list) or not all(isinstance(r, str) for r in roles):
        raise LaunchError(_l("The launch's roles claim is missing or not a list of roles."))


def _check_subject(body: Mapping[str, Any]) -> None:
    if not isinstance(body.get("sub"), str) or not body["sub"] or len(body["sub"]) > 255:
        raise LaunchError(_l("The launch does not identify the user (sub)."))


def _check_resource_link(body: Mapping[str, Any]) -> None:
    if body.get(Claim.MESSAGE_TYPE) not in _LINK_MESSAGES:
        return
    link = body.get(Claim.RESOURCE_LINK)
    if not isinstance(link, dict) or not isinstance(link.get("id"), str) or not link["id"]:
        raise LaunchError(_l("The launch does not identify its resource link."))


def _check_target_link_given(body: Mapping[str, Any]) -> None:
    target = body.get(Claim.TARGET_LINK_URI)
    if body.get(Claim.MESSAGE_TYPE) in _LINK_MESSAGES and not isinstance(target, str):
        raise LaunchError(_l("The launch has no target_link_uri."))


def _check_for_user(body: Mapping[str, Any]) -> None:
    if body.get(Claim.MESSAGE_TYPE) != MessageType.SUBMISSION_REVIEW:
        return
    for_user = body.get(Claim.FOR_USER)
    user_id = for_user.get("user_id") if isinstance(for_user, dict) else None
    if not isinstance(user_id, str) or not 0 < len(user_id) <= 255:
        raise LaunchError(_l("The submission review launch does not name the learner (for_user)."))


def _check_target_link_ours(body: Mapping[str, Any], settings: Settings) -> None:
    target = body.get(Claim.TARGET_LINK_URI)
    if isinstance(target, str) and not is_on_this_tool(target, settings):
        raise LaunchError(_l("The launch's target_link_uri is not a page of SkillCert."))


def _check_object_claims(body: Mapping[str, Any]) -> None:
    for claim in (Claim.CONTEXT, Claim.LAUNCH_PRESENTATION, Claim.CUSTOM):
        if claim in body and not isinstance(body[claim], dict):
            raise LaunchError(_l("The launch's claim %(claim)s is not an object.", claim=claim))


def _check_deep_linking_settings(body: Mapping[str, Any]) -> None:
    if body.get(Claim.MESSAGE_TYPE) == MessageType.DEEP_LINKING:
        DeepLinkingSettings.from_claims(body)  # our clearer words before pylti1p3's


def _run_pylti1p3_validators(body: Mapping[str, Any]) -> None:
    for validator in get_validators():  # pylti1p3's per-message checks
        if validator.can_validate(body):
            validator.validate(body)
