"""The demo platform's identity: its key, its registration with the tool, its people,
the links placed in its course and what its launches tell the tool (services included)."""

from __future__ import annotations

import dataclasses
import os
import time
import uuid
from functools import cached_property
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from flask import Flask
from jwt.algorithms import RSAAlgorithm
from sqlalchemy import select

from lti_tool.db import transaction
from lti_tool.demo_lms.gradebook import Gradebook, valid_line_item
from lti_tool.demo_lms.oauth import AccessTokens
from lti_tool.demo_lms.store import JsonFile
from lti_tool.lti.constants import (
    LTI_VERSION,
    NRPS_SCOPE,
    AgsScope,
    Claim,
    ContextRole,
    MessageType,
)
from lti_tool.lti.registrations import add_platform
from lti_tool.lti.urls import launch_url
from lti_tool.models import MemberStatus, Registration
from lti_tool.settings import Settings

CLIENT_ID = "skillcert-demo"
#: The login message hint that asks for a Deep Linking launch (adding activities).
DEEP_LINK_HINT = "deep-link"
DEPLOYMENT_ID = "demo-deployment-1"
KID = "demo-lms-key-1"


@dataclasses.dataclass(frozen=True)
class DemoPerson:
    sub: str
    name: str
    roles: tuple[str, ...]
    status: MemberStatus = MemberStatus.ACTIVE


#: The people who can open SkillCert from the demo course.
PEOPLE = {
    "learner": DemoPerson("demo-learner-ada", "Ada Lovelace", (ContextRole.LEARNER,)),
    "instructor": DemoPerson("demo-instructor-grace", "Grace Hopper", (ContextRole.INSTRUCTOR,)),
    # Double-marked rubric work needs a second, independent grader.
    "co-instructor": DemoPerson(
        "demo-instructor-barbara", "Barbara Liskov", (ContextRole.INSTRUCTOR,)
    ),
}
#: The course's whole roster (served by NRPS): also learners who never open SkillCert.
ROSTER = (
    *PEOPLE.values(),
    DemoPerson("demo-learner-alan", "Alan Turing", (ContextRole.LEARNER,)),
    DemoPerson("demo-learner-katherine", "Katherine Johnson", (ContextRole.LEARNER,)),
    DemoPerson("demo-learner-charles", "Charles Babbage", (ContextRole.LEARNER,)),
    DemoPerson(
        "demo-learner-mary", "Mary Somerville", (ContextRole.LEARNER,), MemberStatus.INACTIVE
    ),
)
COURSE = {"id": "demo-course-101", "label": "AI-101", "title": "Demo Course: AI Foundations"}
RESOURCE_LINK = {"id": "demo-link-1", "title": "SkillCert certification"}
#: The link the course offers first: the demo's five-minute track (served by the demo only,
#: assessments/demo_tracks/first-visit), opened at its one module, as if placed by Deep Linking.
FIRST_VISIT_LINK: dict[str, Any] = {
    "id": "demo-first-visit",
    "title": "Start here: SkillCert in five minutes",
    "custom": {"skillcert_target": "module:first-visit/first-steps"},
}
#: The AGS scopes the demo course offers the tool (lineitem includes reading them).
AGS_SCOPES = (AgsScope.LINEITEM, AgsScope.RESULT_READONLY, AgsScope.SCORE)
#: Every scope the token endpoint grants.
OFFERED_SCOPES = frozenset({*AgsScope, NRPS_SCOPE})


class DemoPlatform:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.key_path = Path(settings.instance_path) / "demo-lms-key.pem"
        self._links = JsonFile(Path(settings.instance_path) / "demo-lms-links.json", list)
        self.gradebook = Gradebook(settings.instance_path)
        self.tokens = AccessTokens()

    @property
    def issuer(self) -> str:
        return self.settings.url_for("/demo-lms")

    # -- service URLs (as the tool sees them: on the public base URL) -------------------------

    @property
    def token_url(self) -> str:
        return self.settings.url_for("/demo-lms/token")

    @property
    def lineitems_url(self) -> str:
        return self.settings.url_for("/demo-lms/lineitems")

    def line_item_url(self, number: int) -> str:
        return f"{self.lineitems_url}/{number}"

    @property
    def memberships_url(self) -> str:
        return self.settings.url_for("/demo-lms/memberships")

    @cached_property
    def private_key(self) -> rsa.RSAPrivateKey:
        if not self.key_path.exists():
            key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
            pem = key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
            self.key_path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.key_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "wb") as f:
                f.write(pem)
        stored = serialization.load_pem_private_key(self.key_path.read_bytes(), None)
        if not isinstance(stored, rsa.RSAPrivateKey):
            raise TypeError(f"{self.key_path} does not hold an RSA private key.")
        return stored

    def jwks(self) -> dict[str, Any]:
        jwk = RSAAlgorithm.to_jwk(self.private_key.public_key(), as_dict=True)
        jwk.update(kid=KID, alg="RS256", use="sig")
        return {"keys": [jwk]}

    def placed_links(self) -> list[dict[str, Any]]:
        """The course's SkillCert links: the five-minute track's first, then those
        instructors placed through Deep Linking."""
        return [FIRST_VISIT_LINK, *self._links.read()]

    def place(self, items: list[dict[str, Any]]) -> None:
        """Add the resource links of a deep-linking response to the course, each with a
        gradebook column when the tool asked for one (its ``lineItem``)."""
        resource_links = [item for item in items if item.get("type") == "ltiResourceLink"]
        for item in resource_links:  # a bad line item refuses the whole response, before any change
            if "lineItem" in item:
                valid_line_item(item["lineItem"])
        with self._links.update() as links:
            for item in resource_links:
                link: dict[str, Any] = {
                    "id": f"demo-placed-{len(links) + 1}",
                    "title": str(item.get("title", "SkillCert")),
                    "custom": dict(item.get("custom") or {}),
                }
                if "lineItem" in item:
                    column = {**item["lineItem"], "resourceLinkId": link["id"]}
                    link["line_item"] = self.gradebook.create(column)
                links.append(link)

    def id_token(self, person: DemoPerson, nonce: str, message_hint: str = "") -> str:
        """The id_token for a launch; ``message_hint`` picks a placed link or deep linking."""
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": self.issuer,
            "aud": CLIENT_ID,
            "sub": person.sub,
            "name": person.name,
            "iat": now,
            "exp": now + 300,
            "nonce": nonce,
            "jti": str(uuid.uuid4()),
            Claim.MESSAGE_TYPE: MessageType.RESOURCE_LINK.value,
            Claim.VERSION: LTI_VERSION,
            Claim.DEPLOYMENT_ID: DEPLOYMENT_ID,
            Claim.TARGET_LINK_URI: launch_url(self.settings),
            Claim.RESOURCE_LINK: RESOURCE_LINK,
            Claim.ROLES: list(person.roles),
            Claim.CONTEXT: {
                **COURSE,
                "type": ["http://purl.imsglobal.org/vocab/lis/v2/course#CourseOffering"],
            },
            Claim.TOOL_PLATFORM: {"guid": "skillcert-demo-lms", "name": "SkillCert Demo LMS"},
            Claim.LAUNCH_PRESENTATION: {
                "document_target": "iframe",
                "return_url": self.settings.url_for("/demo-lms/"),
            },
            Claim.AGS_ENDPOINT: {"scope": list(AGS_SCOPES), "lineitems": self.lineitems_url},
            Claim.NRPS_SERVICE: {
                "context_memberships_url": self.memberships_url,
                "service_versions": ["2.0"],
            },
        }
        if message_hint == DEEP_LINK_HINT:
            del claims[Claim.RESOURCE_LINK]
            claims[Claim.MESSAGE_TYPE] = MessageType.DEEP_LINKING.value
            claims[Claim.DEEP_LINKING_SETTINGS] = {
                "deep_link_return_url": self.settings.url_for("/demo-lms/deep-link-return"),
                "accept_types": ["ltiResourceLink"],
                "accept_presentation_document_targets": ["iframe"],
                "accept_multiple": True,
                "data": "demo-course-101",
            }
        else:
            link = next((p for p in self.placed_links() if p["id"] == message_hint), None)
            if link is not None:
                claims[Claim.RESOURCE_LINK] = {"id": link["id"], "title": link["title"]}
                claims[Claim.CUSTOM] = link["custom"]
                column = link.get("line_item")
                if column is not None and self.gradebook.line_item(column) is not None:
                    claims[Claim.AGS_ENDPOINT]["lineitem"] = self.line_item_url(column)
        return jwt.encode(claims, self.private_key, algorithm="RS256", headers={"kid": KID})


def register_demo_platform(app: Flask) -> None:
    """Register the demo LMS with the tool (once; later starts find it registered)."""
    settings = app.config["SETTINGS"]
    platform = DemoPlatform(settings)
    with transaction(app) as session:
        exists = session.scalar(
            select(Registration.id).where(
                Registration.issuer == platform.issuer, Registration.client_id == CLIENT_ID
            )
        )
        if exists:
            return
        add_platform(
            session,
            settings,
            preset="generic",
            name="Demo LMS",
            issuer=platform.issuer,
            client_id=CLIENT_ID,
            deployment_id=DEPLOYMENT_ID,
            auth_login_url=settings.url_for("/demo-lms/auth"),
            auth_token_url=platform.token_url,
            key_set_url=settings.url_for("/demo-lms/jwks.json"),
        )
