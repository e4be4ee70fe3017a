"""Moodle's "configure a tool manually" form, field by field, in Moodle's own words.

A Moodle administrator registers SkillCert on one long form (Site administration >
Plugins > Activity modules > External tool > Manage tools). Its labels, and the choices of
its drop-downs, are Moodle's language strings: ``typename``, ``toolurl``,
``tooldescription``, ``ltiversion``, ``keytype`` / ``keytype_keyset``, ``publickeyset``,
``initiatelogin``, ``redirectionuris``, ``custom``, ``show_in_course_lti1``,
``default_launch_container``, ``contentitem_deeplinking``,
``toolurl_contentitemselectionrequest``, ``icon_url``, ``secure_icon_url``, the services'
and the privacy settings' (moodle/moodle, the LTI subsystem's lang/en strings; read
2026-12-06). Printing the same words lets the administrator match each line to a field.
"""

from __future__ import annotations

from lti_tool.lti.custom_parameters import as_lines, tool_custom_parameters
from lti_tool.lti.urls import jwks_url, launch_url, login_url
from lti_tool.settings import Settings


def moodle_tool_form(settings: Settings) -> list[str]:
    """Each field of Moodle's tool form with what to put in it, by the form's sections."""
    launch = launch_url(settings)
    custom = as_lines(tool_custom_parameters("moodle"))
    sections: list[tuple[str, list[tuple[str, str]]]] = [
        (
            "Tool settings",
            [
                ("Tool name", "SkillCert"),
                ("Tool URL", launch),
                ("Tool description", "AI practitioner and K-12 educator certification"),
                ("LTI version", "LTI 1.3"),
                ("Public key type", "Keyset URL"),
                ("Public keyset", jwks_url(settings)),
                ("Initiate login URL", login_url(settings)),
                ("Redirection URI(s)", launch),
                ("Custom parameters", custom[0] if custom else "(none)"),
                *(("", line) for line in custom[1:]),
                (
                    "Tool configuration usage",
                    "Show in activity chooser and as a preconfigured tool",
                ),
                ("Default launch container", "Embed, without blocks (or New window)"),
                ("Supports Deep Linking (Content-Item Message)", "ticked"),
                ("Content Selection URL", launch),
                ("Icon URL", "(leave empty)"),
                ("Secure icon URL", "(leave empty)"),
            ],
        ),
        (
            "Services",
            [
                (
                    "IMS LTI Assignment and Grade Services",
                    "Use this service for grade sync and column management",
                ),
                (
                    "IMS LTI Names and Role Provisioning",
                    "Use this service to retrieve members' information as per privacy settings",
                ),
                ("Tool Settings", "Do not use this service"),
            ],
        ),
        (
            "Privacy",
            [
                ("Share launcher's name with tool", "Always (instructors see names)"),
                ("Share launcher's email with tool", "Never (SkillCert does not use it)"),
                ("Accept grades from the tool", "Always (or Delegate to teacher)"),
            ],
        ),
    ]
    lines = [
        "Moodle: Site administration > Plugins > Activity modules > External tool >",
        "Manage tools > configure a tool manually. Fill in:",
    ]
    for title, fields in sections:
        lines.append(title)
        lines += [f"  {label}: {value}" if label else f"    {value}" for label, value in fields]
    lines += [
        'Save changes, then "View configuration details" on the tool shows the Platform ID,',
        "Client ID and Deployment ID that `skillcert platform add --preset moodle` takes.",
    ]
    return lines
