"""Tenants (registration + deployment) never see each other; concurrent launches all succeed."""

from __future__ import annotations

import threading

from tests.conftest import LmsDriver


def test_second_blackboard_deployment_is_isolated(app, client, simulated_lms):
    """Blackboard: one client_id for every institution; institutions differ by deployment_id."""
    lms = LmsDriver(app, client, simulated_lms)
    lms.register(preset="blackboard", issuer="https://blackboard.com", deployment_id="inst-A")
    lms.add_deployment("inst-B")
    same_course = {"id": "course-1", "title": "Same course id"}
    same_link = {"id": "link-1", "title": "Same link id"}

    # Institution A: a learner and an instructor in "course-1".
    lms.deployment_id = "inst-A"
    lms.launch(sub="a-student", name="Student of A", context=same_course, resource_link=same_link)
    lms.launch(
        "instructor",
        sub="a-teacher",
        name="Teacher of A",
        context=same_course,
        resource_link=same_link,
    )
    a_info = lms.session_info().get_json()

    # Institution B reuses the same context, link and even user ids.
    b_browser = app.test_client()
    lms.deployment_id = "inst-B"
    lms.launch(
        sub="b-student",
        name="Student of B",
        context=same_course,
        resource_link=same_link,
        client=b_browser,
    )
    lms.launch(
        "instructor",
        sub="b-teacher",
        name="Teacher of B",
        context=same_course,
        resource_link=same_link,
        client=b_browser,
    )
    b_info = lms.session_info(b_browser).get_json()

    assert a_info["registration_id"] == b_info["registration_id"]
    assert a_info["deployment_id"] != b_info["deployment_id"]
    assert a_info["context"]["id"] != b_info["context"]["id"]
    assert a_info["resource_link"]["id"] != b_info["resource_link"]["id"]

    a_page = client.get("/teach/").get_data(as_text=True)
    b_page = b_browser.get("/teach/").get_data(as_text=True)
    assert "Student of A" in a_page and "Student of B" not in a_page
    assert "Student of B" in b_page and "Student of A" not in b_page


def test_unknown_deployment_of_known_registration_gets_no_session(lms):
    """It is held for an operator to enable (tests/test_pending_deployments.py), and sees
    nothing of the deployment its LMS already has."""
    lms.deployment_id = "never-added"
    response = lms.launch()
    assert response.status_code == 200
    assert "<code>never-added</code>" in response.get_data(as_text=True)
    assert lms.session_info().status_code == 401
    assert lms.client.get("/learn/").status_code == 401


def test_same_user_launching_in_many_tabs_at_once(lms, app):
    """Several tabs of one browser launch the same course concurrently: none may fail."""
    tabs = 8
    logins = []
    for _ in range(tabs):
        browser = app.test_client()
        form = lms.authorize(lms.login(lms.spec(sub="same-user"), client=browser))
        logins.append((browser, form))
    results: list[int] = []
    barrier = threading.Barrier(tabs)

    def launch(browser, form) -> None:
        barrier.wait()
        results.append(browser.post("/lti/launch", data=form).status_code)

    threads = [threading.Thread(target=launch, args=pair) for pair in logins]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert results == [302] * tabs
    users = {lms.session_info(browser).get_json()["user"]["id"] for browser, _ in logins}
    contexts = {lms.session_info(browser).get_json()["context"]["id"] for browser, _ in logins}
    assert len(users) == 1 and len(contexts) == 1


def test_same_browser_many_tabs_share_cookie_jar(lms):
    """Tabs of one browser share cookies: several logins in flight, then their launches."""
    forms = [lms.authorize(lms.login(lms.spec(sub="tabby"))) for _ in range(4)]
    statuses = [lms.client.post("/lti/launch", data=form).status_code for form in reversed(forms)]
    assert statuses == [302] * 4
    assert lms.session_info().get_json()["user"]["name"] == "Ada Lovelace"


def test_a_class_logging_in_and_launching_at_once(lms, app):
    """Logins (GET, they write) and launches of many learners overlap: none may fail."""
    learners = 12
    barrier = threading.Barrier(learners)
    statuses: list[tuple[int, int]] = []

    def learner(n: int) -> None:
        browser = app.test_client()
        spec = lms.spec(sub=f"learner-{n}", name=f"Learner {n}")
        barrier.wait()
        login = lms.login(spec, client=browser)
        form = lms.sim.authorize(login.headers["Location"]) if login.status_code == 302 else {}
        launch = browser.post("/lti/launch", data=form)
        landing = browser.get("/learn/")
        statuses.append((login.status_code, launch.status_code, landing.status_code))

    threads = [threading.Thread(target=learner, args=(n,)) for n in range(learners)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert statuses == [(302, 302, 200)] * learners
