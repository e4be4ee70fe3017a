"""A course placed in the simulated LMS with grade services, for grade sync tests.

``GradeCourse`` registers the tool on both sides (the tool's registration row; the LMS
learns the tool's key set from /lti/jwks.json), makes a gradebook in the LMS and launches
learners and the instructor into links placed on the sample track, with the AGS claim, so
every endpoint the worker calls comes from a real launch.
"""

from __future__ import annotations

import datetime as dt
import re

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from lti_tool.db import transaction
from lti_tool.jobs.retry import RetryPolicy
from lti_tool.jobs.worker import Worker
from lti_tool.lti.keys import ensure_key
from lti_tool.models import Job
from tests.conftest import LmsDriver
from tests.conftest import csrf_token_of as token
from tests.simulated_lms import LTI, SimulatedLMS

CAPSTONE = "activity:sample/capstone-project"
#: Retries at once, so fault tests do not wait on backoff.
NO_BACKOFF = RetryPolicy(first_delay=dt.timedelta(0), jitter=0.0)


class GradeCourse:
    def __init__(self, app: Flask, sim: SimulatedLMS, *, preset: str = "generic") -> None:
        self.app = app
        self.sim = sim
        self.driver = LmsDriver(app, app.test_client(), sim)
        self.registration = self.driver.register(preset=preset)
        with transaction(app) as session:
            ensure_key(session)
        jwks = self.driver.client.get("/lti/jwks.json").get_json()
        sim.register_tool(self.driver.client_id, jwks, audience=self.registration.auth_audience)
        self.lms = sim.add_course(self.driver.client_id)
        self.learners: dict[str, FlaskClient] = {}

    def launch(
        self,
        sub: str,
        *,
        target: str = CAPSTONE,
        link: str = "link-capstone",
        lineitem: str | None = None,
        role: str = "learner",
    ) -> FlaskClient:
        client = self.learners.setdefault(sub, self.app.test_client())
        response = self.driver.launch(
            role=role,
            client=client,
            sub=sub,
            name=sub.title(),
            context={"id": self.lms.id, "title": "Grades 101"},
            resource_link={"id": link, "title": f"Placed {target}"},
            claims={
                **self.lms.ags_claim(lineitem),
                LTI + "custom": {"skillcert_target": target},
            },
        )
        assert response.status_code in (200, 302), response.get_data(as_text=True)
        return client

    def hand_in_project(self, sub: str, text: str = "My plan: held-out data.") -> None:
        client = self.launch(sub)
        page = client.get("/learn/a/sample/capstone-project").get_data(as_text=True)
        response = client.post(
            "/learn/a/sample/capstone-project/project",
            data={"csrf_token": token(page), "text": text},
        )
        assert response.status_code == 302, response.get_data(as_text=True)

    def grade_project(self, sub: str) -> None:
        """Two instructors mark ``sub``'s project (the sample capstone is double-marked)
        alike: 7 of 10 points."""
        for teacher_sub in ("teacher", "teacher-2"):
            teacher = self.launch(teacher_sub, role="instructor")
            queue = teacher.get("/teach/grading").get_data(as_text=True)
            actions = re.findall(r'action="(/teach/grading/\d+/[^"]+)"', queue)
            assert actions, queue
            response = teacher.post(
                actions[0],
                data={
                    "csrf_token": token(queue),
                    "level-method": "sound",
                    "level-risks": "present",
                },
            )
            assert response.status_code == 302

    def worker(self, name: str = "test-worker", **options) -> Worker:
        return Worker(self.app, name, retry=options.pop("retry", NO_BACKOFF), **options)

    def deliver_all(self, worker: Worker | None = None, limit: int = 50) -> int:
        """Run due jobs until none is left (at most ``limit``); how many ran."""
        worker = worker or self.worker()
        ran = 0
        while ran < limit and worker.run_once():
            ran += 1
        return ran

    def jobs(self) -> list[Job]:
        with transaction(self.app) as session:
            return list(
                session.scalars(select(Job).where(Job.kind == "grade-sync").order_by(Job.id))
            )

    def scores(self) -> list[dict]:
        """Every score the LMS received, in order."""
        return [score for _, score in self.lms.scores]
