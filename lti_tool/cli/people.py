"""Naming a person on the command line: SkillCert's user id, or the LMS's own.

``--user 87`` is the user id SkillCert lists (`skillcert roster people`). With
``--platform``, ``--user`` is the LMS's own user id (the launch's ``sub``: what the LMS
administrator sees), at the LMS registered with that issuer, or with that registration id
(`skillcert platform list`) when one issuer has several registrations. LMS user ids are
often numbers too (Moodle's are), so ``--platform`` alone decides which kind ``--user`` is.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click
from sqlalchemy import select
from sqlalchemy.orm import Session

from lti_tool.cli.common import fail
from lti_tool.models import Registration, User

#: How a person without a name from the LMS is shown.
NO_NAME = "(no name sent)"


def user_options(help_text: str, *, required: bool) -> Callable[[Any], Any]:
    """``--user`` and ``--platform``, for a command that names one person."""

    def decorate(command: Any) -> Any:
        command = click.option(
            "--platform",
            metavar="ISSUER",
            help="The LMS's issuer (or registration id): --user is then the LMS's own user id.",
        )(command)
        return click.option(
            "--user",
            metavar="ID",
            required=required,
            help=f"{help_text} SkillCert's user id (`skillcert roster people --context N`), "
            "or with --platform the LMS's user id.",
        )(command)

    return decorate


def find_user(session: Session, user: str, platform: str | None) -> User:
    """The person ``--user`` (and ``--platform``) name, or stop with what to do instead."""
    user = user.strip()
    if platform is None:
        if not user.isdigit():
            fail(
                f"--user {user} is not a SkillCert user id (a number). To name someone by "
                "their LMS user id, add --platform with the LMS's issuer."
            )
        found = session.get(User, int(user))
        if found is None:
            fail(
                f"There is no user {user}. `skillcert roster people --context N` lists a "
                "course's members with their ids."
            )
        return found
    registration = find_registration(session, platform)
    found = session.scalar(
        select(User).where(User.registration_id == registration.id, User.sub == user)
    )
    if found is None:
        fail(
            f"{registration.name} (registration {registration.id}) has no user with LMS user "
            f"id {user!r}: they have not opened SkillCert, and no roster read listed them."
        )
    return found


def find_registration(session: Session, platform: str) -> Registration:
    """The registration ``--platform`` names: its id, or its issuer when it has one only."""
    platform = platform.strip()
    if platform.isdigit():
        registration = session.get(Registration, int(platform))
        if registration is None:
            fail(f"There is no registration {platform}: `skillcert platform list` lists them.")
        return registration
    # As stored, or as typed with a '/' the stored issuer lacks (a launch's has none).
    issuers = {platform, platform.rstrip("/")}
    found = session.scalars(
        select(Registration).where(Registration.issuer.in_(issuers)).limit(2)
    ).all()
    if not found:
        fail(f"No LMS is registered with issuer {platform}: `skillcert platform list` lists them.")
    if len(found) > 1:
        fail(
            f"Issuer {platform} has several registrations: give --platform the registration's "
            "id instead (`skillcert platform list`)."
        )
    return found[0]


def describe(user: User) -> str:
    """A person as listings show them: both ids and the name the LMS sent."""
    return (
        f"user {user.id}\tLMS user {user.sub} (registration {user.registration_id})\t"
        f"{user.name or NO_NAME}"
    )
