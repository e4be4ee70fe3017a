"""A tenant of the tool in the simulated LMS that launches links in courses and places
them, for the course copy and notice tests."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from lti_tool.db import transaction
from lti_tool.models import Context, Deployment, ResourceLink
from tests.conftest import LmsDriver
from tests.conftest import csrf_token_of as token
from tests.simulated_lms import LTI, SimulatedLMS

QUIZ = "activity:sample/basics-quiz"
ETHICS = "module:sample/ethics"
OLD = {"id": "course-2025", "title": "AI basics 2025", "label": "AI-25"}
NEW = {"id": "course-2026", "title": "AI basics 2026", "label": "AI-26"}


class Tenant:
    """One registration and deployment of the tool in the simulated LMS, launching links."""

    def __init__(self, app: Flask, driver: LmsDriver) -> None:
        self.app = app
        self.driver = driver

    @classmethod
    def registered(cls, app: Flask, sim: SimulatedLMS, **register: Any) -> Tenant:
        driver = LmsDriver(app, app.test_client(), sim)
        driver.register(**register)
        return cls(app, driver)

    def another_deployment(self, deployment_id: str) -> Tenant:
        """The same registration's deployment ``deployment_id`` (another tenant)."""
        self.driver.add_deployment(deployment_id)
        driver = LmsDriver(self.app, self.app.test_client(), self.driver.sim)
        driver.client_id, driver.deployment_id = self.driver.client_id, deployment_id
        return Tenant(self.app, driver)

    def launch(
        self,
        course: dict[str, str],
        link: dict[str, str],
        *,
        role: str = "learner",
        custom: dict[str, str] | None = None,
        **fields: Any,
    ) -> FlaskClient:
        client = self.app.test_client()
        claims = fields.pop("claims", {})
        if custom is not None:
            claims[LTI + "custom"] = custom
        response = self.driver.launch(
            role=role, client=client, context=course, resource_link=link, claims=claims, **fields
        )
        assert response.status_code == 302, response.get_data(as_text=True)
        return client

    def place(
        self, course: dict[str, str], link: dict[str, str], target: str, **fields: Any
    ) -> None:
        """The instructor chooses at first launch what a link added by hand opens."""
        teacher = self.launch(course, link, role="instructor", **fields)
        page = teacher.get("/teach/").get_data(as_text=True)
        assert "Choose what this link opens" in page
        response = teacher.post(
            "/teach/link-target", data={"csrf_token": token(page), "target": target}
        )
        assert response.status_code == 302, response.get_data(as_text=True)

    def link(self, course: dict[str, str], link: dict[str, str]) -> ResourceLink | None:
        with transaction(self.app) as session:
            return session.scalar(
                select(ResourceLink)
                .join(Context, Context.id == ResourceLink.context_id)
                .join(Deployment, Deployment.id == Context.deployment_id)
                .where(
                    Deployment.deployment_id == self.driver.deployment_id,
                    Context.context_id == course["id"],
                    ResourceLink.resource_link_id == link["id"],
                )
            )

    def course(self, course: dict[str, str]) -> Context:
        with transaction(self.app) as session:
            return session.scalars(
                select(Context)
                .join(Deployment, Deployment.id == Context.deployment_id)
                .where(
                    Deployment.deployment_id == self.driver.deployment_id,
                    Context.context_id == course["id"],
                )
            ).one()
