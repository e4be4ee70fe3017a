"""WCAG 2.1 AA checks with axe-core in headless Chromium, over every page type, in English
and in Spanish.

The pages are served over real HTTP on loopback; launches happen through the simulated
LMS and the browser gets the session cookie. Any serious or critical violation fails.
Needs Debian's chromium (the README's test command installs it); outside CI the test
skips with the reason when it is missing.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Iterator
from html import unescape

import pytest
import requests
from sqlalchemy import select

from assessments.catalog import list_tracks
from lti_tool.credentials import issuing
from lti_tool.credentials.document import Award
from lti_tool.db import transaction
from lti_tool.jobs.worker import Worker
from lti_tool.models import User, utcnow
from tests import browser as browser_tools
from tests import loopback
from tests.conftest import SAMPLE_CONTENT, LmsDriver
from tests.simulated_lms import LTI

pytestmark = pytest.mark.browser

ADMIN = "http://purl.imsglobal.org/vocab/lis/v2/institution/person#Administrator"


@pytest.fixture
def served(make_app, simulated_lms, db_url) -> Iterator[tuple[str, LmsDriver]]:
    if db_url.startswith("postgresql"):
        pytest.skip("pages are the same on both databases; checked once, on SQLite")
    browser_tools.require()
    build = functools.partial(make_app, content_path=str(SAMPLE_CONTENT))
    with loopback.serving(lambda base: build(base_url=base)) as (app, base):
        driver = LmsDriver(app, app.test_client(), simulated_lms)
        driver.register()
        yield base, driver


def http_launch(base: str, lms: LmsDriver, role: str = "learner", **fields) -> requests.Session:
    """Launch over real HTTP (login → LMS auth → form post) and return the browser session."""
    browser = requests.Session()
    if role == "instructor":
        fields.setdefault("roles", ["http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"])
        fields.setdefault("sub", "teacher-1")
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
    return browser


def hold_expiring_credential(lms: LmsDriver, sub: str) -> str:
    """Issue ``sub`` the sample credential, 60 days from expiry; its id."""
    with transaction(lms.app) as session:
        user = session.scalar(select(User).where(User.sub == sub))
        track = next(t for t in list_tracks(SAMPLE_CONTENT) if t.id == "sample")
        now = utcnow()
        award = Award(user, track, now, now, now + dt.timedelta(days=60), [])
        return issuing.issue(session, lms.app.config["SETTINGS"], award).id


def csrf(browser: requests.Session, url: str) -> str:
    page = browser.get(url, timeout=10).text
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


@pytest.mark.parametrize("locale", ["en-US", "es-MX"])
def test_every_page_type_meets_wcag_aa(served, locale):
    from playwright.sync_api import sync_playwright

    base, lms = served
    # The LMS asks for the page language as real ones do (launch_presentation.locale).
    placed = {
        LTI + "custom": {"skillcert_target": "module:sample/basics"},
        LTI + "launch_presentation": {"locale": locale},
    }
    link = {"id": "link-1", "title": "Basics"}
    learner = http_launch(base, lms, resource_link=link, claims=placed)
    # Work for the pages to show: a quiz attempt, a scenario, a project.
    quiz = f"{base}/learn/a/sample/basics-quiz"
    attempt = learner.post(quiz + "/start", data={"csrf_token": csrf(learner, quiz)}, timeout=10)
    attempt_url = attempt.url
    scenario = f"{base}/learn/a/sample/ethics-scenario"
    scenario_url = learner.post(
        scenario + "/start", data={"csrf_token": csrf(learner, scenario)}, timeout=10
    ).url
    project = f"{base}/learn/a/sample/capstone-project"
    learner.post(
        project + "/project",
        data={"csrf_token": csrf(learner, project), "text": "A plan."},
        timeout=10,
    )
    finished = f"{base}/learn/a/sample/ethics-scenario"
    credential = hold_expiring_credential(lms, "user-1")  # the wallet shows its reminder
    instructor = http_launch(base, lms, "instructor", resource_link=link, claims=placed)
    administrator = http_launch(
        base, lms, "instructor", resource_link=link, claims=placed, sub="admin-1", roles=[ADMIN]
    )
    Worker(lms.app, "a11y").run_once()
    gradebook = instructor.get(f"{base}/teach/gradebook", timeout=10).text
    learner_work = unescape(re.search(r'href="(/teach/learner/[^"]+)"', gradebook).group(1))
    # A first mark on the (double-marked) project, for the marking and history pages.
    grading = instructor.get(f"{base}/teach/grading", timeout=10).text
    project_mark = re.search(r'action="(/teach/grading/(\d+)/project)"', grading)
    instructor.post(
        base + project_mark.group(1),
        data={
            "csrf_token": csrf(instructor, f"{base}/teach/grading"),
            "level-method": "sound",
            "level-risks": "present",
        },
        timeout=10,
    )

    learner_pages = [
        "/learn/",
        "/learn/progress",
        "/learn/m/sample/basics",
        "/learn/a/sample/intro",
        "/learn/a/sample/basics-quiz",
        attempt_url.removeprefix(base),
        scenario_url.removeprefix(base),
        "/learn/a/sample/prompt-lab",
        "/learn/a/sample/capstone-project",
        finished.removeprefix(base),
        "/learn/credentials",
        "/learn/privacy",
        f"/credentials/{credential}",
        "/credentials/tracks/sample",  # the achievement page, with its badge and criteria
        "/no-such-page",
    ]
    instructor_pages = [
        "/teach/",
        "/teach/gradebook",
        "/teach/grading",
        "/teach/grade-sync",
        "/teach/accommodations",
        learner_work,
        "/teach/analysis/sample/basics-quiz",
        "/teach/moderation",
        f"/teach/marking/{project_mark.group(2)}",
        "/teach/grading-history",
        "/teach/agreement/sample/capstone-project",
    ]
    found = administrator.get(f"{base}/admin/privacy", params={"q": "user-1"}, timeout=10).text
    erase_page = unescape(re.search(r'href="(/admin/privacy/erase/\d+)"', found).group(1))
    administrator_pages = [
        "/admin/credentials",
        "/admin/privacy?q=user-1",
        erase_page,
        "/admin/privacy/access-log",
    ]
    # The content picker: on a link's first launch (what it opens) and in Deep Linking.
    from tests.simulated_lms import DELETE
    from tests.test_deep_linking import DL

    chooser = http_launch(
        base,
        lms,
        "instructor",
        resource_link={"id": "link-unplaced", "title": "SkillCert"},
        claims={LTI + "launch_presentation": {"locale": locale}},
    )
    placer = http_launch(
        base,
        lms,
        "instructor",
        claims={
            LTI + "message_type": "LtiDeepLinkingRequest",
            LTI + "resource_link": DELETE,
            LTI + "launch_presentation": {"locale": locale},
            DL + "deep_linking_settings": {
                "deep_link_return_url": lms.sim.url + "/deep-link-return",
                "accept_types": ["ltiResourceLink"],
                "accept_presentation_document_targets": ["iframe"],
                "accept_multiple": True,
            },
        },
    )
    problems = []
    with sync_playwright() as playwright:
        browser = browser_tools.launch(playwright)
        for session, pages in (
            (learner, learner_pages),
            (instructor, instructor_pages),
            (administrator, administrator_pages),
            (chooser, ["/teach/"]),
            (placer, ["/teach/deep-link"]),
        ):
            context = browser.new_context(bypass_csp=True)
            context.add_cookies(
                [{"name": c.name, "value": c.value, "url": base} for c in session.cookies]
            )
            page = context.new_page()
            for path in pages:
                page.goto(base + path)
                assert page.get_attribute("html", "lang") == locale[:2], path
                problems += browser_tools.serious_violations(page)
            context.close()
        browser.close()
    assert problems == []


def test_code_editor_works_with_the_keyboard_and_lets_it_go(served):
    """Tab indents, Enter keeps the indentation, Escape then Tab leaves the editor."""
    from playwright.sync_api import sync_playwright

    base, lms = served
    learner = http_launch(base, lms)
    with sync_playwright() as playwright:
        browser = browser_tools.launch(playwright)
        context = browser.new_context()
        context.add_cookies(
            [{"name": c.name, "value": c.value, "url": base} for c in learner.cookies]
        )
        page = context.new_page()
        page.goto(base + "/learn/a/sample/prompt-lab")
        editor = page.locator("textarea#code")
        editor.fill("")
        editor.focus()
        page.keyboard.type("def classify(text):")
        page.keyboard.press("Enter")
        page.keyboard.press("Tab")
        page.keyboard.type("if text:")
        page.keyboard.press("Enter")
        page.keyboard.type("return 'positive'")
        assert editor.input_value() == ("def classify(text):\n    if text:\n    return 'positive'")
        assert page.evaluate("document.activeElement.id") == "code"  # Tab stayed inside
        page.keyboard.press("Escape")
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.id") != "code"
        help_text = page.locator("#code-help").inner_text()
        assert "Escape" in help_text  # the page tells keyboard users the way out
        browser.close()
