"""Cookies, headers and health (rate limits: test_rate_limit.py)."""

from __future__ import annotations

from tests.conftest import LmsDriver


def test_https_tool_sets_samesite_none_secure_cookies(make_app, simulated_lms):
    # A tool on https is in production: the loopback LMS must be allow-listed.
    app = make_app(base_url="https://localhost", outbound_allowed_hosts="127.0.0.1")
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


def test_security_headers_list_the_launching_platform_as_frame_ancestor(lms):
    lms.launch()
    response = lms.client.get("/learn/")
    csp = response.headers["Content-Security-Policy"]
    assert csp.endswith("frame-ancestors 'self' " + lms.sim.url)
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "Strict-Transport-Security" not in response.headers  # plain http on localhost
    # Without a launch, only SkillCert frames its pages (tests/test_framing.py has more).
    fresh = lms.app.test_client()
    assert fresh.get("/").headers["Content-Security-Policy"].endswith("frame-ancestors 'self'")


def test_canvas_registration_allows_instructure_frames(app, client, simulated_lms):
    canvas = LmsDriver(app, client, simulated_lms)
    canvas.register(preset="canvas", issuer="https://canvas.instructure.com")
    csp = canvas.login(canvas.spec()).headers["Content-Security-Policy"]
    assert "https://*.instructure.com" in csp and "https://canvas.instructure.com" in csp


def test_healthz_checks_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok"}


def test_error_pages_are_html_with_reference(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert "Reference:" in response.get_data(as_text=True)


def test_frame_origin_option_allows_framing_by_that_platform_only(app, client, runner):
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
    login = client.get(
        "/lti/login?iss=https://canvas.instructure.com&client_id=77&login_hint=x"
        "&target_link_uri=http://localhost/lti/launch"
    )
    assert login.status_code == 302
    assert "https://canvas.school.edu" in login.headers["Content-Security-Policy"]
    assert "canvas.school.edu" not in client.get("/").headers["Content-Security-Policy"]


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
