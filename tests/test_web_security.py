"""Cookies, headers, rate limits and health."""

from __future__ import annotations

from tests.conftest import LmsDriver


def test_https_tool_sets_samesite_none_secure_cookies(make_app, simulated_lms):
    app = make_app(base_url="https://localhost")
    client = app.test_client()
    lms = LmsDriver(app, client, simulated_lms)
    lms.register()
    spec = lms.spec(target_link_uri="https://localhost/lti/launch")
    login = lms.login(spec)
    state_cookie = login.headers["Set-Cookie"]
    assert (
        "Secure" in state_cookie and "SameSite=None" in state_cookie and "HttpOnly" in state_cookie
    )
    form = lms.authorize(login)
    client_https = app.test_client()
    client_https.set_cookie(
        state_cookie.split("=", 1)[0], state_cookie.split("=", 1)[1].split(";", 1)[0]
    )
    response = client_https.post("/lti/launch", data=form, base_url="https://localhost")
    assert response.status_code == 302
    session_cookie = next(
        c for c in response.headers.getlist("Set-Cookie") if c.startswith("skillcert_session=")
    )
    assert "Secure" in session_cookie and "SameSite=None" in session_cookie
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")
    app.extensions["skillcert.engine"].dispose()


def test_security_headers_list_registered_platforms_as_frame_ancestors(lms):
    response = lms.client.get("/")
    csp = response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'self' " + lms.sim.url in csp
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "Strict-Transport-Security" not in response.headers  # plain http on localhost


def test_canvas_registration_allows_instructure_frames(app, client, simulated_lms):
    LmsDriver(app, client, simulated_lms).register(
        preset="canvas", issuer="https://canvas.instructure.com"
    )
    csp = client.get("/").headers["Content-Security-Policy"]
    assert "https://*.instructure.com" in csp and "https://canvas.instructure.com" in csp


def test_login_and_launch_are_rate_limited_with_a_clear_page(make_app, simulated_lms):
    app = make_app(rate_limit_per_minute=3)
    client = app.test_client()
    lms = LmsDriver(app, client, simulated_lms)
    lms.register()
    assert lms.launch().status_code == 302  # login + launch: 2 requests
    assert lms.login(lms.spec()).status_code == 302  # the 3rd
    limited = lms.login(lms.spec())
    assert limited.status_code == 429
    assert "Too many launches from your network" in limited.get_data(as_text=True)
    app.extensions["skillcert.engine"].dispose()


def test_default_rate_limit_lets_a_school_through(app):
    limiter = app.extensions["skillcert.ratelimit"]
    assert all(limiter.allow("10.0.0.1", now=0) for _ in range(2 * 1000))  # 1000 launches


def test_healthz_checks_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok"}


def test_error_pages_are_html_with_reference(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert "Reference:" in response.get_data(as_text=True)


def test_frame_origin_option_and_launch_return_url_allow_framing(
    app, client, runner, simulated_lms
):
    result = runner.invoke(
        args=[
            "platform",
            "add",
            "--preset",
            "canvas",
            "--client-id",
            "77",
            "--frame-origin",
            "https://canvas.school.edu/courses/1",
        ]
    )
    assert result.exit_code == 0, result.output
    assert "https://canvas.school.edu" in client.get("/").headers["Content-Security-Policy"]

    lms = LmsDriver(app, client, simulated_lms)
    lms.register()
    return_url = "https://lms.university.example/courses/9/return?x=1"
    lms.launch(
        claims={
            "https://purl.imsglobal.org/spec/lti/claim/launch_presentation": {
                "return_url": return_url
            }
        }
    )
    page_csp = client.get("/learn/").headers["Content-Security-Policy"]
    assert page_csp.endswith(" https://lms.university.example")
    other_browser_csp = app.test_client().get("/").headers["Content-Security-Policy"]
    assert "lms.university.example" not in other_browser_csp


def test_launch_return_url_cannot_inject_csp(lms):
    lms.launch(
        claims={
            "https://purl.imsglobal.org/spec/lti/claim/launch_presentation": {
                "return_url": "https://evil.example;script-src *"
            }
        }
    )
    csp = lms.client.get("/learn/").headers["Content-Security-Policy"]
    assert "evil" not in csp and csp.count("script-src") == 1
