"""Every page type of SkillCert, with work on it to show, for the checks that visit them all.

``tour(base, lms, locale)`` launches people from the simulated LMS over real HTTP (two
learners, two instructors, an administrator, an instructor on a link that opens nothing
yet, one placing content by Deep Linking, and someone with no session at all), gives the
pages something to show (a quiz submitted and graded, a second attempt under way, a trace
review, a scenario finished and one half played, a graded lab, a project marked twice by
instructors who disagree, a credential about to expire, a target date already past, an
institution framework imported and mapped), and returns who visits which pages.
tests/test_accessibility.py takes the tour in Chromium (axe-core, reflow at 320 px, the
language of every text); tests/test_i18n.py takes it over plain HTTP (no English left in
the Spanish pages).
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import functools
import json
from collections.abc import Iterator
from urllib.parse import urljoin, urlsplit

import pyotp
import pytest
import requests
from sqlalchemy import select

from assessments import case
from assessments.catalog import list_tracks
from assessments.labs.results import LabResult, ResultStatus, TestResult, TestStatus, Visibility
from lti_tool import error_reports
from lti_tool.credentials import issuing
from lti_tool.credentials.document import Award
from lti_tool.csrf import HEADER, OPERATOR_COOKIE, csrf_token, token_for
from lti_tool.db import transaction
from lti_tool.jobs import heartbeats, queue
from lti_tool.jobs.worker import Worker
from lti_tool.lti.registrations import add_platform
from lti_tool.models import (
    Attempt,
    Deployment,
    FrameworkItem,
    LabSubmission,
    RegisteredVia,
    Registration,
    ResourceLink,
    SubmissionStatus,
    User,
    utcnow,
)
from lti_tool.operations import accounts
from lti_tool.sessions import SESSION_COOKIE
from tests import loopback
from tests.conftest import INSTRUCTOR, SAMPLE_CONTENT, LmsDriver
from tests.simulated_lms import DELETE, LTI

ADMINISTRATOR = "http://purl.imsglobal.org/vocab/lis/v2/institution/person#Administrator"
DEEP_LINKING = "https://purl.imsglobal.org/spec/lti-dl/claim/"
#: Answers of every item type in the sample quiz, some right, some wrong, one to grade.
QUIZ_ANSWERS = {
    "answer-q-temperature": "one",
    "answer-q-eval-methods": ["holdout", "crossval"],
    "answer-q-accuracy": "90",
    "answer-q-drift": "drift",
    "answer-q-steps-define": "1",
    "answer-q-steps-collect": "3",
    "answer-q-steps-run": "2",
    "answer-q-steps-compare": "4",
    "answer-q-roles-system": "rules",
    "answer-q-roles-user": "asks",
    "answer-q-roles-assistant": "answers",
    "answer-q-explain": "Unseen data shows whether the model generalises beyond its examples.",
}


@dataclasses.dataclass(frozen=True)
class Stop:
    """One page: a name for reports and screenshot files, its path, the form posted to reach
    it when it is a form's answer rather than a link's, and the status it answers with."""

    name: str
    path: str
    form: dict[str, str] | None = None
    status: int = 200


@dataclasses.dataclass(frozen=True)
class Visitor:
    """Someone with a browser session (its cookies and language) and the pages they see."""

    who: str
    http: requests.Session
    stops: tuple[Stop, ...]


@contextlib.contextmanager
def serving_sample(make_app, simulated_lms, db_url: str) -> Iterator[tuple[str, LmsDriver]]:
    """The sample track served over real HTTP on loopback, registered with the simulated LMS."""
    if db_url.startswith("postgresql"):
        pytest.skip("pages are the same on both databases; checked once, on SQLite")
    build = functools.partial(make_app, content_path=str(SAMPLE_CONTENT))
    with loopback.serving(lambda base: build(base_url=base)) as (app, base):
        driver = LmsDriver(app, app.test_client(), simulated_lms)
        driver.register()
        yield base, driver


def http_launch(base: str, lms: LmsDriver, role: str = "learner", **fields) -> requests.Session:
    """Launch over real HTTP (login → LMS auth → form post) and return the browser session;
    it sends its forms' CSRF token as a header."""
    browser = requests.Session()
    if role == "instructor":
        fields.setdefault("roles", [INSTRUCTOR])
        fields.setdefault("sub", "teacher-1")
        fields.setdefault("name", "Grace Hopper")
    spec = lms.spec(target_link_uri=f"{base}/lti/launch", **fields)
    login = browser.get(
        f"{base}/lti/login",
        params={
            "iss": lms.issuer,
            "login_hint": lms.sim.expect_launch(spec),
            "target_link_uri": spec.target_link_uri,
            "client_id": lms.client_id,
        },
        allow_redirects=False,
        timeout=10,
    )
    form = lms.sim.authorize(login.headers["Location"])
    assert browser.post(f"{base}/lti/launch", data=form, timeout=10).status_code == 200
    cookie = {"Cookie": f"{SESSION_COOKIE}={browser.cookies[SESSION_COOKIE]}"}
    with lms.app.test_request_context(headers=cookie):
        browser.headers[HEADER] = csrf_token()
    return browser


def post(browser: requests.Session, url: str, **form) -> str:
    """Post a form as the session's page would (its token goes as a header); the URL its
    answer sends the browser to. The page there is not fetched: the tour checks pages."""
    answer = browser.post(url, data=form, timeout=10, allow_redirects=False)
    assert answer.status_code in (200, 302, 303), (url, answer.status_code, answer.text[:2000])
    return urljoin(url, answer.headers.get("Location", url))


def fetch(base: str, visitor: Visitor, stop: Stop) -> requests.Response:
    """The page as ``visitor`` gets it (a GET, or the form's POST)."""
    url = base + stop.path
    if stop.form is None:
        return visitor.http.get(url, timeout=10)
    return visitor.http.post(url, data=stop.form, timeout=10)


# -- the work the pages show ---------------------------------------------------------------


def _user_id(lms: LmsDriver, sub: str) -> int:
    with transaction(lms.app) as session:
        return session.scalar(select(User.id).where(User.sub == sub))


def _attempts(lms: LmsDriver, user_id: int, activity: str) -> list[int]:
    """A learner's attempt ids at ``activity``, oldest first."""
    with transaction(lms.app) as session:
        return list(
            session.scalars(
                select(Attempt.id)
                .where(Attempt.user_id == user_id, Attempt.activity_id == activity)
                .order_by(Attempt.id)
            )
        )


def _hold_expiring_credential(lms: LmsDriver, user_id: int) -> str:
    """Issue the learner the sample credential, 60 days from expiry; its id."""
    with transaction(lms.app) as session:
        user = session.get(User, user_id)
        track = next(t for t in list_tracks(SAMPLE_CONTENT) if t.id == "sample")
        now = utcnow()
        award = Award(user, track, now, now, now + dt.timedelta(days=60), [])
        return issuing.issue(session, lms.app.config["SETTINGS"], award).id


def _graded_lab(lms: LmsDriver, user_id: int) -> None:
    """A graded lab submission as the sandboxed grader stores one (no sandbox needed here)."""
    result = LabResult(
        lab_id="prompt-lab",
        status=ResultStatus.GRADED,
        score=0.5,
        tests=(
            TestResult("handles an empty text", 1, 1, Visibility.VISIBLE, TestStatus.PASSED),
            TestResult(
                "a review that mixes praise and complaints, with more complaints",
                0,
                1,
                Visibility.VISIBLE,
                TestStatus.FAILED,
                "expected 'negative', got 'positive'",
            ),
            TestResult("hidden review 1", 0, 1, Visibility.HIDDEN, TestStatus.FAILED),
        ),
        message="2 of 3 tests failed.",
    )
    with transaction(lms.app) as session:
        attempt = session.scalars(select(Attempt).where(Attempt.user_id == user_id)).first()
        session.add(
            LabSubmission(
                registration_id=attempt.registration_id,
                deployment_id=attempt.deployment_id,
                context_id=attempt.context_id,
                user_id=user_id,
                track_id="sample",
                activity_id="prompt-lab",
                content_versions={},
                archive=b"",
                status=SubmissionStatus.GRADED,
                score=0.5,
                result=result.to_dict(),
                graded_at=utcnow(),
            )
        )


def _learner_work(base: str, learner: requests.Session, latecomer: requests.Session) -> None:
    quiz = f"{base}/learn/a/sample/basics-quiz"
    submitted = post(learner, quiz + "/start")
    post(learner, submitted + "/save", **QUIZ_ANSWERS)
    post(learner, submitted + "/submit", confirm="yes")
    post(learner, quiz + "/start")  # a second attempt, under way
    post(learner, f"{base}/learn/a/sample/warm-up/start")  # a trace review, under way
    post(learner, f"{base}/learn/a/sample/intro/done")
    scenario = post(learner, f"{base}/learn/a/sample/ethics-scenario/start")
    why = "Applicants would bear the harm of a biased screening model."
    post(learner, scenario + "/choose", node="request", choice="audit", justification=why)
    post(learner, scenario + "/choose", node="audit", choice="fix")
    project = f"{base}/learn/a/sample/capstone-project"
    post(learner, project + "/project", text="A plan: a held-out set from last month's tickets.")
    half_played = post(latecomer, f"{base}/learn/a/sample/ethics-scenario/start")
    post(latecomer, half_played + "/choose", node="request", choice="audit", justification="Fair.")


def _school_and_link(lms: LmsDriver) -> tuple[int, int]:
    """The tour's course and its placed link (ids)."""
    with transaction(lms.app) as session:
        return session.execute(
            select(ResourceLink.context_id, ResourceLink.id).where(
                ResourceLink.resource_link_id == "link-1"
            )
        ).one()


def _mapped_framework(base: str, administrator: requests.Session, lms: LmsDriver) -> int:
    """An institution framework imported by upload (the sample track's own CASE package
    stands in for one), with one competency mapped to one of its items; its id."""
    track = next(t for t in list_tracks(SAMPLE_CONTENT) if t.id == "sample")
    package = json.dumps(case.package(track, "https://university.example.edu")).encode()
    answer = administrator.post(
        f"{base}/admin/frameworks",
        files={"package": ("outcomes.json", package, "application/json")},
        timeout=10,
    )
    assert answer.status_code == 200, answer.text[:2000]
    with transaction(lms.app) as session:
        framework_id, item_id = session.execute(
            select(FrameworkItem.framework_id, FrameworkItem.id).order_by(FrameworkItem.id)
        ).first()
    post(
        administrator,
        f"{base}/admin/frameworks/{framework_id}/tracks/sample/mappings",
        competency=track.competencies[0].id,
        item=str(item_id),
        type="isRelatedTo",
    )
    return framework_id


def _grade(base: str, instructor: requests.Session, attempt: int, key: str, **levels) -> None:
    """Grade a piece with a level and a comment per criterion, and an overall comment."""
    form = {f"level-{criterion}": level for criterion, level in levels.items()}
    form |= {f"comment-{criterion}": "As the level describes." for criterion in levels}
    form["comment"] = "Clear, with one example; say who is affected next time."
    post(instructor, f"{base}/teach/grading/{attempt}/{key}", **form)


def _cookieless_launch(
    base: str, lms: LmsDriver, claims: dict, browser: requests.Session | None = None, **fields
) -> dict[str, str]:
    """The LMS's launch form for a browser that lost its login cookie (blocked in a frame),
    or for ``browser``, which keeps it."""
    spec = lms.spec(target_link_uri=f"{base}/lti/launch", claims=claims, **fields)
    login = (browser or requests).get(
        f"{base}/lti/login",
        params={
            "iss": lms.issuer,
            "login_hint": lms.sim.expect_launch(spec),
            "target_link_uri": spec.target_link_uri,
            "client_id": lms.client_id,
        },
        allow_redirects=False,
        timeout=10,
    )
    return lms.sim.authorize(login.headers["Location"])


def _invited(lms: LmsDriver, email: str) -> tuple[str, str]:
    """An operator account as `skillcert operator add` makes it, its setup page visited
    once: the link's token and the TOTP secret that page shows."""
    with transaction(lms.app) as session:
        operator, token = accounts.invite(session, email)
        return token, accounts.setup_secret(session, operator)


def _operator_console(base: str, lms: LmsDriver, locale: str) -> tuple[Visitor, tuple[Stop, ...]]:
    """An operator signed in to the console, with a registration waiting for approval, a
    deployment waiting to be enabled, rotated keys and audit entries to show; and the
    console's pages for someone not signed in (sign-in, a setup link, a used-up one).

    Made last: the setup form's TOTP code is good for a minute, and the operator visits first.
    """
    settings = lms.app.config["SETTINGS"]
    _, secret = _invited(lms, "operator@example.edu")
    with transaction(lms.app) as session:
        (ours,) = session.scalars(
            select(Registration).where(Registration.client_id == lms.client_id)
        )
        session.add(
            Deployment(
                registration=ours,
                deployment_id="deployment-9",
                is_active=False,
                pending_since=utcnow(),
            )
        )
        waiting = add_platform(
            session,
            settings,
            preset="moodle",
            issuer=lms.sim.url + "/moodle",
            client_id="dynamic-1",
            deployment_id="1",
            auth_login_url=lms.sim.auth_login_url,
            auth_token_url=lms.sim.token_url,
            key_set_url=lms.sim.key_set_url,
        )
        waiting.is_active, waiting.pending_since = False, utcnow()
        waiting.registered_via = RegisteredVia.DYNAMIC
        waiting.platform_configuration = {"issuer": waiting.issuer, "scopes_supported": ["openid"]}
        waiting.registration_warnings = ["Stored the issuer without its trailing '/'."]
        operator = accounts.find_operator(session, "operator@example.edu")
        code = pyotp.TOTP(secret).now()
        accounts.activate(session, operator, password="x" * 12, totp_secret=secret, code=code)
        token = accounts.start_session(session, settings, operator)
        ours_id, waiting_id = ours.id, waiting.id
    browser = requests.Session()
    browser.headers["Accept-Language"] = locale
    browser.cookies.set(OPERATOR_COOKIE, token, domain=urlsplit(base).hostname, path="/")
    with lms.app.test_request_context():
        browser.headers[HEADER] = token_for(token)
    post(browser, f"{base}/operator/keys/tool/rotate")
    post(browser, f"{base}/operator/keys/tool/rotate")
    post(browser, f"{base}/operator/keys/issuer/rotate")
    post(browser, f"{base}/operator/keys/issuer/rotate")
    setup, _ = _invited(lms, "new-operator@example.edu")
    finishing, secret = _invited(lms, "finishing@example.edu")
    activation = {"password": "x" * 12, "password_again": "x" * 12}
    refused = {"csrf_token": browser.headers[HEADER], "preset": "generic", "client_id": ""}
    registrations = "/operator/registrations"
    console = Visitor(
        "operator",
        browser,
        (
            Stop(
                "operator-setup-done",
                f"/operator/setup/{finishing}",
                form={**activation, "code": pyotp.TOTP(secret).now()},
            ),
            Stop("operator-registrations", registrations),
            Stop("operator-registration", f"{registrations}/{waiting_id}"),
            Stop("operator-registration-edit", f"{registrations}/{ours_id}/edit"),
            Stop("operator-registration-new", f"{registrations}/new"),
            Stop("operator-registration-refused", f"{registrations}/new", form=refused, status=422),
            Stop("operator-lms-setup", f"{registrations}/lms-setup?lms=canvas"),
            Stop("operator-keys", "/operator/keys"),
            Stop("operator-audit-log", "/operator/audit"),
        ),
    )
    public = (
        Stop("operator-sign-in", "/operator/sign-in"),
        Stop("operator-setup", f"/operator/setup/{setup}"),
        Stop("operator-setup-gone", "/operator/setup/used-up", status=410),
    )
    return console, public


def _health_stops(lms: LmsDriver, credential: str) -> tuple[Stop, ...]:
    """The console's health and credentials pages, with something in each list: a worker's
    heartbeat, a dead job with its history, an error report (found by its reference), and
    a search by an id that is not a credential's."""
    reference = "1a2b3c4d"
    with transaction(lms.app) as session:
        conn = session.connection()
        heartbeats.beat(
            conn, "tour:4242", hostname="tour", pid=4242, started_at=utcnow(), jobs_done=3
        )
        queue.enqueue(conn, "roster-sync", {"context": 0}, lock_key="tour", dedupe_key="tour")
    with transaction(lms.app) as session:
        conn = session.connection()
        job = queue.claim(conn, "page-tour", ["roster-sync"])
        queue.fail(conn, job, "page-tour", "HTTP 403: the LMS refused the roster.", permanent=True)
        summary = "LaunchExpiredError: This launch link was already used."
        error_reports.add(conn, error_reports.Report(reference, "POST /lti/launch", 400, summary))
    return (
        Stop("operator-health", "/operator/health"),
        Stop("operator-health-reference", f"/operator/health?reference={reference}"),
        Stop("operator-credentials", "/operator/credentials"),
        Stop("operator-credentials-found", f"/operator/credentials?q=urn:uuid:{credential}"),
        Stop("operator-credentials-bad-id", "/operator/credentials?q=not-an-id"),
    )


# -- the tour ------------------------------------------------------------------------------


def tour(base: str, lms: LmsDriver, locale: str) -> list[Visitor]:
    """Launch everyone in ``locale``, give the pages work to show, and list who sees what."""
    presentation = {LTI + "launch_presentation": {"locale": locale}}
    placed = {LTI + "custom": {"skillcert_target": "module:sample/basics"}, **presentation}

    def launch(role: str = "learner", claims: dict = placed, **fields) -> requests.Session:
        fields.setdefault("resource_link", {"id": "link-1", "title": "Basics"})
        browser = http_launch(base, lms, role, claims=claims, **fields)
        browser.headers["Accept-Language"] = locale
        return browser

    learner = launch()
    latecomer = launch(sub="user-2", name="Alan Turing")
    _learner_work(base, learner, latecomer)
    learner_id, latecomer_id = _user_id(lms, "user-1"), _user_id(lms, "user-2")
    _graded_lab(lms, learner_id)
    credential = _hold_expiring_credential(lms, learner_id)  # the wallet shows its reminder
    instructor = launch("instructor")
    co_instructor = launch("instructor", sub="teacher-2", name="Katherine Johnson")
    administrator = launch("instructor", sub="admin-1", roles=[ADMINISTRATOR])
    school, link = _school_and_link(lms)
    post(instructor, f"{base}/teach/links/{link}/target-date", target_date="2026-12-01")
    framework = _mapped_framework(base, administrator, lms)
    report = f"/admin/reports/schools/{school}"
    unplaced = {"id": "link-unplaced", "title": "SkillCert"}
    chooser = launch("instructor", claims=presentation, resource_link=unplaced)
    deep_linking = {
        LTI + "message_type": "LtiDeepLinkingRequest",
        LTI + "resource_link": DELETE,
        DEEP_LINKING + "deep_linking_settings": {
            "deep_link_return_url": lms.sim.url + "/deep-link-return",
            "accept_types": ["ltiResourceLink"],
            "accept_presentation_document_targets": ["iframe"],
            "accept_multiple": True,
        },
    }
    placer = launch("instructor", claims={**presentation, **deep_linking})
    submitted, under_way = _attempts(lms, learner_id, "basics-quiz")
    (project,) = _attempts(lms, learner_id, "capstone-project")
    _grade(base, instructor, submitted, "item:q-explain", reason="fully", example="loose")
    # Two marks far apart on the double-marked project: a case for moderation.
    _grade(base, instructor, project, "project", method="sound", risks="present")
    _grade(base, co_instructor, project, "project", method="weak", risks="absent")
    Worker(lms.app, "page-tour").run_once()  # scores to the LMS, for the grade-sync page
    nobody = requests.Session()
    nobody.headers["Accept-Language"] = locale
    (trace_review,) = _attempts(lms, learner_id, "warm-up")
    (debrief,) = _attempts(lms, learner_id, "ethics-scenario")
    (half_played,) = _attempts(lms, latecomer_id, "ethics-scenario")
    work = f"/teach/learner/{learner_id}/sample"
    console, console_public = _operator_console(base, lms, locale)
    console = dataclasses.replace(console, stops=(*console.stops, *_health_stops(lms, credential)))
    visitors = [
        console,  # first: its setup form's TOTP code is good for a minute
        Visitor(
            "learner",
            learner,
            (
                Stop("learner-home", "/learn/"),
                Stop("learner-progress", "/learn/progress"),
                Stop("learner-module", "/learn/m/sample/basics"),
                Stop("lesson", "/learn/a/sample/intro"),
                Stop("quiz", "/learn/a/sample/basics-quiz"),
                Stop("quiz-attempt", f"/learn/attempt/{under_way}"),
                Stop(
                    "quiz-confirm",
                    f"/learn/attempt/{under_way}/submit",
                    form={"csrf_token": learner.headers[HEADER]},
                ),
                Stop("quiz-result", f"/learn/attempt/{submitted}"),
                Stop("trace-review-attempt", f"/learn/attempt/{trace_review}"),
                Stop("scenario", "/learn/a/sample/ethics-scenario"),
                Stop("scenario-debrief", f"/learn/attempt/{debrief}"),
                Stop("lab", "/learn/a/sample/prompt-lab"),
                Stop("project", "/learn/a/sample/capstone-project"),
                Stop("wallet", "/learn/credentials"),
                Stop("learner-privacy", "/learn/privacy"),
            ),
        ),
        Visitor("latecomer", latecomer, (Stop("scenario-step", f"/learn/attempt/{half_played}"),)),
        Visitor(
            "instructor",
            instructor,
            (
                Stop("course-overview", "/teach/"),
                Stop("gradebook", "/teach/gradebook"),
                Stop("competencies", "/teach/competencies"),
                Stop("grading", "/teach/grading"),
                Stop("grade-sync", "/teach/grade-sync"),
                Stop("accommodations", "/teach/accommodations"),
                Stop("learner-placement", f"/teach/learner/{learner_id}"),
                Stop("learner-work-quiz", f"{work}/basics-quiz"),
                Stop("learner-work-trace-review", f"{work}/warm-up"),
                Stop("learner-work-scenario", f"{work}/ethics-scenario"),
                Stop("learner-work-lab", f"{work}/prompt-lab"),
                Stop("learner-work-project", f"{work}/capstone-project"),
                Stop("item-analysis", "/teach/analysis/sample/basics-quiz"),
                Stop("moderation", "/teach/moderation"),
                Stop("marking", f"/teach/marking/{project}"),
                Stop("grading-history", "/teach/grading-history"),
                Stop("marking-agreement", "/teach/agreement/sample/capstone-project"),
            ),
        ),
        Visitor(
            "administrator",
            administrator,
            (
                Stop("admin-credentials", "/admin/credentials"),
                Stop("admin-privacy", "/admin/privacy?q=user-1"),
                Stop("admin-erase", f"/admin/privacy/erase/{learner_id}"),
                Stop("admin-access-log", "/admin/privacy/access-log"),
                Stop("admin-reports", "/admin/reports"),
                Stop("admin-report-school", report),
                Stop("admin-report-person", f"{report}/people/{learner_id}"),
                Stop("admin-report-activity", f"{report}/activities/sample/basics-quiz"),
                Stop("admin-frameworks", "/admin/frameworks"),
                Stop("admin-framework-mapping", f"/admin/frameworks/{framework}/tracks/sample"),
            ),
        ),
        Visitor("chooser", chooser, (Stop("link-target-picker", "/teach/"),)),
        Visitor("placer", placer, (Stop("deep-link-picker", "/teach/deep-link"),)),
        Visitor(
            "anyone",
            nobody,
            (
                Stop("site-home", "/"),
                *console_public,
                Stop("credential", f"/credentials/{credential}"),
                Stop("achievement", "/credentials/tracks/sample"),
                Stop("not-found", "/no-such-page", status=404),
                Stop("not-signed-in", "/teach/", status=401),
                Stop(
                    "launch-in-new-window",
                    "/lti/launch",
                    form=_cookieless_launch(base, lms, presentation),
                    status=401,
                ),
                Stop(
                    "deployment-pending",
                    "/lti/launch",
                    form=_cookieless_launch(
                        base,
                        lms,
                        {
                            LTI + "launch_presentation": {
                                "locale": locale,
                                "return_url": lms.sim.url + "/course",
                            }
                        },
                        browser=nobody,
                        deployment_id="deployment-new",
                    ),
                ),
            ),
        ),
    ]
    names = [stop.name for visitor in visitors for stop in visitor.stops]
    assert len(names) == len(set(names)), names  # they name the screenshot files
    return visitors
