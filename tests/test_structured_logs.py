"""Structured logs: one JSON line per event, tied to the request's reference or the job.

The story: a learner launches, hands in work, the instructors grade it, the worker sends
the scores to the (simulated) LMS and issues the credential; a forged launch is refused.
The log is read as an operator's log shipper reads it: the handler's own stream, parsed
line by line as JSON (not caplog's view of the records).
"""

from __future__ import annotations

import io
import json
import logging
import re

import pytest

from lti_tool.observability.logs import EventHandler
from tests.conftest import SAMPLE_CONTENT
from tests.gradesync_driver import GradeCourse
from tests.test_credentials_completion import credentials, grade_capstone, record_scores


@pytest.fixture
def json_course(make_app, sim):
    app = make_app(content_path=str(SAMPLE_CONTENT), http_timeout_seconds=0.5, log_format="json")
    yield GradeCourse(app, sim)
    app.extensions["skillcert.engine"].dispose()


def captured_log() -> io.StringIO:
    """Point the tool's log handler at a buffer; what it writes from now on lands there."""
    (handler,) = [h for h in logging.getLogger("lti_tool").handlers if isinstance(h, EventHandler)]
    stream = io.StringIO()
    handler.setStream(stream)
    return stream


def events(stream: io.StringIO) -> list[dict]:
    lines = stream.getvalue().splitlines()
    assert lines, "nothing was logged"
    parsed = [json.loads(line) for line in lines]  # every line is one JSON object
    return [line for line in parsed if "event" in line]


def test_the_story_of_a_grade_is_in_the_json_log(json_course):
    grades = json_course
    stream = captured_log()

    grades.launch("ada")
    record_scores(grades, "ada", {"basics-quiz": 1.0, "basics-exam": 0.9, "ethics-scenario": 1.0})
    grades.hand_in_project("ada")
    grade_capstone(grades)
    grades.deliver_all()
    assert len(credentials(grades)) == 1
    refused = grades.driver.client.post("/lti/launch", data={"id_token": "x.y.z", "state": "s"})
    assert refused.status_code == 400
    page_reference = re.search(r"Reference: <code>(\w+)</code>", refused.text).group(1)

    logged = events(stream)
    by_name: dict[str, list[dict]] = {}
    for line in logged:
        by_name.setdefault(line["event"], []).append(line)
        assert line["level"] == "INFO" and line["logger"] == "lti_tool.events"
        assert line["message"] == line["event"]

    # Request events carry the request's reference id: one per request.
    accepted = by_name["launch.accepted"]
    assert {line["role"] for line in accepted} >= {"learner", "instructor"}
    assert all(re.fullmatch(r"[0-9a-f]{8}", line["reference"]) for line in accepted)
    assert len({line["reference"] for line in accepted}) == len(accepted)
    assert all("job_id" not in line for line in accepted)
    (refusal,) = by_name["launch.refused"]
    assert refusal["reference"] == page_reference  # the page's reference finds the line
    assert refusal["reason"] == "invalid" and refusal["status"] == 400
    assert refusal["registration_id"] is None  # it never named a registration

    # Job events carry the job's id and attempt, never a request's reference.
    deliveries = by_name["score.delivery"]
    assert deliveries and all(line["outcome"] == "delivered" for line in deliveries)
    for line in deliveries:
        assert line["http_status"] in (200, 201, 204)
        assert line["line_item"].startswith(grades.lms.lineitems_url)
        assert isinstance(line["job_id"], int) and line["attempt"] == 1
        assert isinstance(line["duration_ms"], int) and "reference" not in line
    (token,) = by_name["token.fetch"]  # cached for every later delivery
    assert token["outcome"] == "ok" and token["registration_id"] == grades.registration.id
    assert "job_id" in token and any("score" in scope for scope in token["scopes"])
    (issued,) = by_name["credential.issued"]
    assert issued["credential_id"] == credentials(grades)[0].id
    assert issued["track"] == "sample" and issued["by_system"] is True
    assert isinstance(issued["job_id"], int)
    assert issued["job_id"] not in {line["job_id"] for line in deliveries}

    # Ids only: no token, assertion, key, name or email address anywhere in the log.
    text = stream.getvalue()
    assert "eyJ" not in text  # the start of every JWT (id_token, client assertion)
    access_tokens = [
        t for t, (owner, *_) in grades.sim._tokens.items() if owner == grades.driver.client_id
    ]
    assert access_tokens and not any(t in text for t in access_tokens)
    assert "Ada" not in text and "Teacher" not in text and "@" not in text


def test_text_format_and_an_unknown_format(make_app):
    app = make_app(log_format="text")
    stream = captured_log()
    response = app.test_client().get("/no-such-page")
    reference = re.search(r"Reference: <code>(\w+)</code>", response.text).group(1)
    (line,) = [line for line in stream.getvalue().splitlines() if f"ref={reference}" in line]
    assert " INFO lti_tool " in line and line.endswith(f"reference={reference}")
    from lti_tool.errors import SettingsError

    with pytest.raises(SettingsError, match="log_format must be json or text"):
        make_app(log_format="yaml")
