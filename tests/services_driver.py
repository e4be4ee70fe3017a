"""A tool registered with the simulated LMS for services: one course launched with AGS and NRPS.

``ServiceCourse`` registers the tool (a preset of choice) on both sides — the tool's
registration row and the LMS's knowledge of the tool's key set, fetched from the tool's
/lti/jwks.json — makes a course in the LMS, and launches it as an instructor with the
service claims, so the endpoints come from a real launch. ``ags()`` and ``nrps()`` build
clients the way the delivery worker will: from the stored rows.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from flask import Flask
from sqlalchemy import select

from lti_tool.db import transaction
from lti_tool.lti.keys import ensure_key
from lti_tool.models import Context, Deployment, Registration
from lti_tool.services.ags import AgsClient
from lti_tool.services.clients import ags_client, nrps_client
from lti_tool.services.nrps import NrpsClient
from lti_tool.services.tokens import TokenCache
from tests.conftest import LmsDriver
from tests.simulated_lms import AGS_SCOPES, Course, SimulatedLMS


class ServiceCourse:
    def __init__(
        self,
        app: Flask,
        sim: SimulatedLMS,
        *,
        preset: str = "generic",
        moodle: bool = False,
        members: list[dict[str, Any]] | None = None,
        page_size: int = 3,
        ags_scopes: tuple[str, ...] = AGS_SCOPES,
        nrps: bool = True,
    ) -> None:
        self.app = app
        self.sim = sim
        self.driver = LmsDriver(app, app.test_client(), sim)
        self.registration = self.driver.register(preset=preset)
        with transaction(app) as session:
            ensure_key(session)  # the tool's first key, as `skillcert keys` would make it
        jwks = self.driver.client.get("/lti/jwks.json").get_json()
        self.tool = sim.register_tool(
            self.driver.client_id, jwks, audience=self.registration.auth_audience
        )
        self.course: Course = sim.add_course(
            self.driver.client_id, moodle=moodle, members=members, page_size=page_size
        )
        self.lineitem = self.course.add_line_item("Module 1 quiz", 10, resourceLinkId="link-1")
        self.launch = self.driver.launch(
            role="instructor",
            context={"id": self.course.id, "title": "Services 101"},
            claims={
                **self.course.ags_claim(self.lineitem, ags_scopes),
                **(self.course.nrps_claim() if nrps else {}),
            },
        )
        assert self.launch.status_code in (200, 302), self.launch.get_data(as_text=True)
        settings = app.config["SETTINGS"]
        self.tokens = TokenCache(settings, app.extensions["skillcert.http"])

    def context(self, session) -> tuple[Deployment, Context]:
        return session.execute(
            select(Deployment, Context)
            .join(Context, Context.deployment_id == Deployment.id)
            .join(Registration, Registration.id == Deployment.registration_id)
            .where(
                Registration.client_id == self.driver.client_id,
                Context.context_id == self.course.id,
            )
        ).one()

    def _build(self, factory, timeout: float | None):
        settings = self.app.config["SETTINGS"]
        if timeout is not None:
            settings = dataclasses.replace(settings, http_timeout_seconds=timeout)
        with transaction(self.app) as session:
            deployment, context = self.context(session)
            return factory(
                session,
                deployment,
                context,
                tokens=self.tokens,
                settings=settings,
                http=self.app.extensions["skillcert.http"],
            )

    def ags(self, timeout: float | None = None) -> AgsClient:
        return self._build(ags_client, timeout)

    def nrps(self, timeout: float | None = None) -> NrpsClient:
        return self._build(nrps_client, timeout)
