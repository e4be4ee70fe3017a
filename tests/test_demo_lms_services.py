"""The demo LMS's gradebook and roster: the whole loop over real HTTP on loopback.

An app with the demo LMS serves on a loopback port; an instructor places two sample-track
links by Deep Linking, the learner works in them, the worker (run a job at a time, as the
demo's in-process worker would) delivers the scores to the demo LMS through its token
endpoint and AGS, and the demo's gradebook page shows them. The tool reads the roster
through the demo's NRPS in pages of two. Tokens are checked on every call.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import html
import re
import time
from collections.abc import Iterator

import pytest
import requests
from cryptography.hazmat.primitives.asymmetric import rsa
from flask import Flask
from jwt.algorithms import RSAAlgorithm
from jwt.api_jwk import PyJWK
from sqlalchemy import select

from lti_tool.db import transaction
from lti_tool.demo_lms.platform import ROSTER, register_demo_platform
from lti_tool.jobs.worker import Worker
from lti_tool.lti.constants import NRPS_SCOPE, AgsScope, MediaType
from lti_tool.models import Context, Deployment, Registration, ResourceLink
from lti_tool.services.clients import app_options, credentials_for, nrps_client
from lti_tool.services.tokens import ClientCredentials, client_assertion
from tests import loopback
from tests.conftest import SAMPLE_CONTENT
from tests.conftest import csrf_token_of as token
from tests.test_serve import launch_from_demo_lms

#: The first link the instructor places in the demo course.
FIRST_LINK = "demo-placed-1"
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"


@dataclasses.dataclass
class Demo:
    app: Flask
    base: str

    def deliver_all(self, limit: int = 20) -> int:
        """Run due jobs until none is left, as the demo's worker does each second."""
        worker, ran = Worker(self.app, "demo-test"), 0
        while ran < limit and worker.run_once():
            ran += 1
        return ran

    def gradebook_row(self, name: str) -> list[str]:
        """The texts of a learner's cells on the demo LMS's gradebook page."""
        page = requests.get(f"{self.base}/demo-lms/gradebook", timeout=10).text
        row = re.search(rf'<th scope="row">{name}</th>(.*?)</tr>', page, re.S).group(1)
        cells = re.findall(r"<td>(.*?)</td>", row, re.S)
        return [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", c)).strip() for c in cells]

    def credentials(self) -> ClientCredentials:
        with transaction(self.app) as session:
            registration = session.scalars(select(Registration)).one()
            return credentials_for(session, registration)

    def access_token(self, scopes: tuple[str, ...]) -> str:
        """A token from the demo's token endpoint, asked for with the tool's own assertion."""
        answer = self.ask_token(client_assertion(self.credentials()), scopes)
        assert answer.status_code == 200, answer.text
        return answer.json()["access_token"]

    def ask_token(self, assertion: str, scopes: tuple[str, ...]) -> requests.Response:
        return requests.post(
            f"{self.base}/demo-lms/token",
            data={
                "grant_type": "client_credentials",
                "client_assertion_type": ASSERTION_TYPE,
                "client_assertion": assertion,
                "scope": " ".join(scopes),
            },
            timeout=10,
        )


@pytest.fixture
def demo(make_app) -> Iterator[Demo]:
    """The app as `serve --demo` builds it (not in testing mode), on a loopback port."""

    def build(base: str) -> Flask:
        app = make_app(content_path=str(SAMPLE_CONTENT), base_url=base, demo=True, testing=False)
        register_demo_platform(app)
        return app

    with loopback.serving(build) as (app, base):
        yield Demo(app, base)


def place(base: str, *targets: str) -> None:
    """The instructor adds ``targets`` to the demo course by Deep Linking."""
    instructor, picker = launch_from_demo_lms(base, "instructor", link="deep-link")
    returned = instructor.post(
        f"{base}/teach/deep-link",
        data={"csrf_token": token(picker.text), "target": list(targets)},
        timeout=10,
    )
    jwt_value = html.unescape(re.search(r'name="JWT" value="([^"]+)"', returned.text).group(1))
    placed = requests.post(f"{base}/demo-lms/deep-link-return", data={"JWT": jwt_value}, timeout=10)
    assert placed.status_code == 200, placed.text


def take_quiz(base: str, learner: requests.Session) -> None:
    quiz = f"{base}/learn/a/sample/basics-quiz"
    started = learner.post(quiz + "/start", data={"csrf_token": token(learner.get(quiz).text)})
    data = {"csrf_token": token(started.text), "confirm": "yes", "answer-q-temperature": "zero"}
    assert learner.post(started.url + "/save", data=data, timeout=10).status_code == 200
    assert learner.post(started.url + "/submit", data=data, timeout=10).status_code == 200


def test_quiz_score_reaches_the_demo_gradebook_and_survives_a_restart(demo, make_app):
    place(demo.base, "module:sample/basics", "activity:sample/capstone-project")
    # Deep Linking made a column per graded link, before any score.
    assert demo.gradebook_row("Ada Lovelace") == ["No score", "No score"]

    learner, _ = launch_from_demo_lms(demo.base, "learner", link=FIRST_LINK)
    with transaction(demo.app) as session:  # the launch named the services
        link = session.scalars(
            select(ResourceLink).where(ResourceLink.resource_link_id == FIRST_LINK)
        ).one()
        context = session.get(Context, link.context_id)
        assert link.ags_lineitem_url == f"{demo.base}/demo-lms/lineitems/1"
        assert context.nrps_memberships_url == f"{demo.base}/demo-lms/memberships"
    take_quiz(demo.base, learner)
    assert demo.deliver_all() >= 1

    quiz_cell, project_cell = demo.gradebook_row("Ada Lovelace")
    assert re.fullmatch(r"\d+\.\d / 100\.0", quiz_cell) and quiz_cell != "0.0 / 100.0"
    assert project_cell == "No score"
    assert demo.gradebook_row("Alan Turing") == ["No score", "No score"]  # never launched

    # The gradebook is in the instance folder: a restarted demo still shows the score.
    again = make_app(content_path=str(SAMPLE_CONTENT), base_url=demo.base, demo=True)
    try:
        assert quiz_cell in again.test_client().get("/demo-lms/gradebook").get_data(as_text=True)
    finally:
        again.extensions["skillcert.engine"].dispose()


def test_project_shows_pending_then_the_score_after_grading(demo):
    place(demo.base, "activity:sample/capstone-project")
    learner, _ = launch_from_demo_lms(demo.base, "learner", link=FIRST_LINK)
    project = f"{demo.base}/learn/a/sample/capstone-project"
    handed_in = learner.post(
        project + "/project",
        data={"csrf_token": token(learner.get(project).text), "text": "Held-out data."},
        timeout=10,
    )
    assert handed_in.status_code == 200
    demo.deliver_all()
    assert demo.gradebook_row("Ada Lovelace") == ["Pending manual grading"]

    # The sample capstone is double-marked: both instructors mark it, alike.
    for person in ("instructor", "co-instructor"):
        teacher, _ = launch_from_demo_lms(demo.base, person, link=FIRST_LINK)
        queue = teacher.get(f"{demo.base}/teach/grading", timeout=10).text
        action = re.search(r'action="(/teach/grading/\d+/[^"]+)"', queue).group(1)
        graded = teacher.post(
            demo.base + action,
            data={"csrf_token": token(queue), "level-method": "sound", "level-risks": "present"},
            timeout=10,
        )
        assert graded.status_code == 200
    demo.deliver_all()
    assert demo.gradebook_row("Ada Lovelace") == ["70.0 / 100.0"]  # 7 of 10 points


def test_roster_is_served_in_pages_and_the_tool_reads_them_all(demo):
    launch_from_demo_lms(demo.base, "instructor")  # the launch names the roster service
    first = requests.get(
        f"{demo.base}/demo-lms/memberships",
        headers={"Authorization": "Bearer " + demo.access_token((NRPS_SCOPE,))},
        timeout=10,
    )
    assert first.headers["Content-Type"] == MediaType.MEMBERSHIP_CONTAINER
    assert len(first.json()["members"]) == 2
    assert first.links["next"]["url"] == f"{demo.base}/demo-lms/memberships?limit=2&page=2"

    app = demo.app
    with transaction(app) as session:
        context = session.scalars(select(Context)).one()
        client = nrps_client(
            session,
            session.get(Deployment, context.deployment_id),
            context,
            **app_options(app),
        )
    members = client.members()
    assert [m.user_id for m in members] == [person.sub for person in ROSTER]
    assert {m.name for m in members} >= {"Ada Lovelace", "Grace Hopper", "Alan Turing"}
    assert [str(m.status) for m in members].count("Inactive") == 1
    page = requests.get(f"{demo.base}/demo-lms/gradebook", timeout=10).text
    assert "Katherine Johnson" in page and "Inactive" in page


def test_service_calls_need_a_valid_unexpired_token_with_the_scope(demo):
    place(demo.base, "module:sample/basics")
    scores = f"{demo.base}/demo-lms/lineitems/1/scores"
    score = {
        "userId": "demo-learner-ada",
        "scoreGiven": 5,
        "scoreMaximum": 10,
        "activityProgress": "Completed",
        "gradingProgress": "FullyGraded",
        "timestamp": "2030-01-01T00:00:00.000+00:00",
    }

    def post(bearer: str | None) -> requests.Response:
        headers = {"Content-Type": MediaType.SCORE}
        if bearer is not None:
            headers["Authorization"] = f"Bearer {bearer}"
        return requests.post(scores, json=score, headers=headers, timeout=10)

    assert post(None).status_code == 401
    assert post("made-up").status_code == 401
    assert post("made-up").headers["WWW-Authenticate"] == 'Bearer error="invalid_token"'
    expired = demo.app.extensions["skillcert.demo_platform"].tokens.issue(
        [AgsScope.SCORE], lifetime=-1
    )
    assert post(expired).status_code == 401
    roster_only = demo.access_token((NRPS_SCOPE,))
    assert post(roster_only).status_code == 403
    assert post(demo.access_token((AgsScope.SCORE,))).status_code == 204
    assert demo.gradebook_row("Ada Lovelace") == ["5.0 / 10.0"]

    # Token requests: an expired assertion, a key the tool does not publish, a replay.
    credentials = demo.credentials()
    stale = client_assertion(credentials, now=time.time() - 3600)
    assert demo.ask_token(stale, (AgsScope.SCORE,)).json()["error"] == "invalid_client"
    stranger_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    jwk = RSAAlgorithm.to_jwk(stranger_key, as_dict=True)
    forged = dataclasses.replace(
        credentials, signing_key=PyJWK({**jwk, "kid": credentials.signing_key.key_id})
    )
    refused = demo.ask_token(client_assertion(forged), (AgsScope.SCORE,))
    assert refused.status_code == 401 and "Signature" in refused.json()["error_description"]
    assertion = client_assertion(credentials)
    assert demo.ask_token(assertion, (AgsScope.SCORE,)).status_code == 200
    assert demo.ask_token(assertion, (AgsScope.SCORE,)).status_code == 401  # jti used
    wrong_audience = dataclasses.replace(credentials, audience=demo.base + "/elsewhere")
    assert demo.ask_token(client_assertion(wrong_audience), (AgsScope.SCORE,)).status_code == 401
    assert demo.ask_token(client_assertion(credentials), ("made-up",)).status_code == 400


def test_line_items_scores_and_results_follow_ags(demo):
    bearer = demo.access_token((AgsScope.LINEITEM, AgsScope.SCORE, AgsScope.RESULT_READONLY))
    auth = {"Authorization": f"Bearer {bearer}"}
    items = f"{demo.base}/demo-lms/lineitems"
    for n in range(12):
        created = requests.post(
            items,
            json={"label": f"Column {n}", "scoreMaximum": 10, "tag": "t" if n % 2 else "u"},
            headers={**auth, "Content-Type": MediaType.LINEITEM},
            timeout=10,
        )
        assert created.status_code == 201 and created.json()["id"] == created.headers["Location"]
    first = requests.get(items, headers=auth, timeout=10)
    assert len(first.json()) == 10
    rest = requests.get(first.links["next"]["url"], headers=auth, timeout=10)
    assert [i["label"] for i in rest.json()] == ["Column 10", "Column 11"]
    assert "next" not in rest.links
    tagged = requests.get(items, params={"tag": "t"}, headers=auth, timeout=10).json()
    assert len(tagged) == 6

    bad = requests.post(
        items,
        json={"label": ""},
        headers={**auth, "Content-Type": MediaType.LINEITEM},
        timeout=10,
    )
    assert bad.status_code == 400 and "label" in bad.json()["error_description"]
    one = f"{items}/1"
    renamed = requests.put(
        one,
        json={"label": "Renamed", "scoreMaximum": 20},
        headers={**auth, "Content-Type": MediaType.LINEITEM},
        timeout=10,
    )
    assert renamed.json() == {"id": one, "label": "Renamed", "scoreMaximum": 20}

    def send(given: float, when: dt.datetime, user: str = "demo-learner-ada") -> int:
        score = {
            "userId": user,
            "scoreGiven": given,
            "scoreMaximum": 20,
            "activityProgress": "Completed",
            "gradingProgress": "FullyGraded",
            "timestamp": when.isoformat(),
            "comment": f"given {given}",
        }
        headers = {**auth, "Content-Type": MediaType.SCORE}
        return requests.post(one + "/scores", json=score, headers=headers, timeout=10).status_code

    now = dt.datetime.now(dt.UTC)
    assert send(15, now) == 204
    assert send(3, now - dt.timedelta(minutes=1)) == 204  # older: ignored, not an error
    assert send(1, now, user="someone-else") == 400  # not in the course
    results = requests.get(one + "/results", headers=auth, timeout=10)
    assert results.headers["Content-Type"] == MediaType.RESULT_CONTAINER
    assert [(r["userId"], r["resultScore"], r["comment"]) for r in results.json()] == [
        ("demo-learner-ada", 15, "given 15")
    ]

    assert requests.delete(one, headers=auth, timeout=10).status_code == 204
    assert requests.get(one, headers=auth, timeout=10).status_code == 404
    assert send(15, now) == 404
    # A token for scores only may not read or change line items.
    scores_only = {"Authorization": "Bearer " + demo.access_token((AgsScope.SCORE,))}
    assert requests.get(items, headers=scores_only, timeout=10).status_code == 403
