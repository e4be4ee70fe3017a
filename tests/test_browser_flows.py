"""Blocked third-party cookies: LTI platform storage, else a new window."""

from __future__ import annotations

import re
from html import unescape
from urllib.parse import urlsplit

from tests.conftest import query_of


def data_attributes(html: str) -> dict[str, str]:
    return {k: unescape(v) for k, v in re.findall(r'data-(\w+)="([^"]*)"', html)}


def test_platform_storage_flow_completes_without_cookies(lms, app):
    browser = app.test_client(use_cookies=False)  # a browser that blocks our iframe cookies
    login = lms.login(lms.spec(), client=browser, lti_storage_target="post_message_forwarding")
    assert login.status_code == 200
    put = data_attributes(login.get_data(as_text=True))
    assert put["action"] == "put"
    assert put["target"] == "post_message_forwarding"
    assert put["origin"] == lms.sim.url  # the platform's OIDC origin, never "*"
    secret, auth_url = put["value"], put["next"]
    assert put["key"] == "skillcert_" + query_of(auth_url)["state"]

    form = lms.sim.authorize(auth_url)
    first = browser.post("/lti/launch", data=form)
    assert first.status_code == 200  # the page that asks the platform for the secret
    get = data_attributes(first.get_data(as_text=True))
    assert get["action"] == "get" and get["key"] == put["key"] and get["origin"] == lms.sim.url

    # The script posts the same form again with the secret the platform returned. The
    # frame still keeps no cookie, so the session continues in a new window, once.
    done = browser.post("/lti/launch", data={**form, "browser_secret": secret})
    assert done.status_code == 200
    page = done.get_data(as_text=True)
    assert "Continue in a new window" in page
    handoff = unescape(re.search(r'href="(/lti/handoff\?t=[^"]+)" target="_blank"', page).group(1))
    window = app.test_client()  # top-level: our cookies are first-party here
    opened = window.get(handoff)
    assert opened.status_code == 302 and opened.headers["Location"] == "/learn/"
    info = window.get("/session")
    assert info.status_code == 200 and info.get_json()["role"] == "learner"
    again = app.test_client().get(handoff)
    assert again.status_code == 400
    assert "already used or has expired" in again.get_data(as_text=True)


def test_platform_storage_with_wrong_secret_is_rejected(lms, app):
    browser = app.test_client(use_cookies=False)
    login = lms.login(lms.spec(), client=browser, lti_storage_target="_parent")
    form = lms.sim.authorize(data_attributes(login.get_data(as_text=True))["next"])
    response = browser.post("/lti/launch", data={**form, "browser_secret": "guessed"})
    assert response.status_code == 400
    assert "started in another browser" in response.get_data(as_text=True)


def test_without_cookies_or_storage_offers_a_new_window(lms, app):
    browser = app.test_client(use_cookies=False)
    login = lms.login(lms.spec(), client=browser)
    form = lms.sim.authorize(login.headers["Location"])
    response = browser.post("/lti/launch", data=form)
    assert response.status_code == 401
    html = response.get_data(as_text=True)
    assert "Open SkillCert in a new window" in html
    link = unescape(re.search(r'href="(/lti/login\?[^"]+)" target="_blank"', html).group(1))
    params = query_of(link)
    assert params["iss"] == lms.issuer and params["client_id"] == lms.client_id
    assert urlsplit(params["target_link_uri"]).path == "/lti/launch"
    assert not any(
        c.startswith("skillcert_session=") for c in response.headers.getlist("Set-Cookie")
    )

    # In the new window cookies are first-party: the restarted login completes.
    window = app.test_client()
    restart = window.get(link)
    assert restart.status_code == 302
    # The LMS would recognise its user again; the simulated one needs the launch re-armed.
    relogin = lms.login(lms.spec(), client=window)
    assert window.post("/lti/launch", data=lms.authorize(relogin)).status_code == 302
    assert window.get("/session").status_code == 200
