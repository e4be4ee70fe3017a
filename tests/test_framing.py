"""Who may frame SkillCert: the LMS behind the request, never every tenant (issue 15, finding 4).

``frame-ancestors`` lists ``'self'`` and the origins of the registration behind the launch
(its issuer, login URL, preset and configured frame origins); the launch's return URL
only when it is one of those. The login and the launch post are framed by the LMS they
name; pages without a launch by SkillCert alone.
"""

from __future__ import annotations

import re

import pytest

from lti_tool.security import admits
from tests.conftest import LmsDriver

PRESENTATION = "https://purl.imsglobal.org/spec/lti/claim/launch_presentation"


def frame_ancestors(response) -> list[str]:
    csp = response.headers["Content-Security-Policy"]
    (directive,) = re.findall(r"frame-ancestors ([^;]*)", csp)
    assert csp.endswith(directive), csp  # the last directive: nothing appended after it
    return directive.split()


@pytest.fixture
def tenants(app, client, simulated_lms):
    """The simulated LMS registered three times: as itself, as Canvas, as another LMS."""
    own = LmsDriver(app, client, simulated_lms)
    own.register()
    canvas = LmsDriver(app, app.test_client(), simulated_lms)
    canvas.register(preset="canvas", issuer="https://canvas.instructure.com", client_id="c-77")
    other = LmsDriver(app, app.test_client(), simulated_lms)
    other.register(issuer="https://other-lms.example", client_id="other-client")
    return own, canvas, other


def test_a_launch_is_framed_only_by_its_own_lms(tenants):
    own, _canvas, _other = tenants
    assert own.launch().status_code == 302
    assert frame_ancestors(own.client.get("/learn/")) == ["'self'", own.sim.url]


def test_each_registration_has_its_own_list_within_the_cache_time(tenants):
    own, canvas, other = tenants
    own.launch()
    other.launch()
    canvas.launch()
    assert frame_ancestors(other.client.get("/learn/")) == [
        "'self'",
        own.sim.url,  # its login URL
        "https://other-lms.example",
    ]
    assert frame_ancestors(canvas.client.get("/learn/")) == [
        "'self'",
        own.sim.url,
        "https://*.instructure.com",
        "https://canvas.instructure.com",
    ]
    assert frame_ancestors(own.client.get("/learn/")) == ["'self'", own.sim.url]


def test_the_return_url_counts_only_when_it_belongs_to_the_registration(tenants):
    own, canvas, _other = tenants
    own.launch(claims={PRESENTATION: {"return_url": "https://lms.university.example/c/9?x=1"}})
    assert "https://lms.university.example" not in frame_ancestors(own.client.get("/learn/"))
    canvas.launch(claims={PRESENTATION: {"return_url": "https://school.instructure.com/c/1"}})
    assert frame_ancestors(canvas.client.get("/learn/"))[-1] == "https://school.instructure.com"
    canvas.launch(claims={PRESENTATION: {"return_url": "https://instructure.com.evil.example/"}})
    assert "evil" not in " ".join(frame_ancestors(canvas.client.get("/learn/")))


def test_the_login_is_framed_by_the_lms_it_names(tenants):
    own, _canvas, other = tenants
    stored = own.login(own.spec(), lti_storage_target="_parent")  # the platform-storage page
    assert stored.status_code == 200
    assert frame_ancestors(stored) == ["'self'", own.sim.url]
    redirected = other.login(other.spec())
    assert redirected.status_code == 302
    assert frame_ancestors(redirected) == ["'self'", own.sim.url, "https://other-lms.example"]
    unknown = own.client.get(
        "/lti/login?iss=https://nobody.example&login_hint=x&target_link_uri=http://localhost/lti/launch"
    )
    assert unknown.status_code >= 400 and frame_ancestors(unknown) == ["'self'"]


def test_the_launch_post_is_framed_by_the_lms_that_launched(tenants):
    own, _canvas, other = tenants
    # The browser still holds a session from the other LMS, and the LMS frame keeps no
    # cookie of this login: the "Open SkillCert in a new window" page, framed by this LMS.
    other.launch()
    form = own.authorize(own.login(own.spec(), own.app.test_client()))
    page = other.client.post("/lti/launch", data=form)
    assert page.status_code == 401
    assert "Open SkillCert in a new window" in page.get_data(as_text=True)
    assert frame_ancestors(page) == ["'self'", own.sim.url]
    # A refused launch's error page: the LMS it names, or SkillCert alone.
    refused = own.client.post("/lti/launch", data={"id_token": "not-a-token", "state": "x"})
    assert refused.status_code >= 400 and frame_ancestors(refused) == ["'self'"]


def test_pages_without_a_launch_are_framed_by_skillcert_only(tenants):
    own, _canvas, _other = tenants
    for url in ("/", "/healthz", "/credentials/00000000-0000-0000-0000-000000000000"):
        assert frame_ancestors(own.client.get(url)) == ["'self'"], url


def test_a_deactivated_registration_frames_nothing(tenants, app):
    from lti_tool.db import transaction
    from lti_tool.models import Registration

    own, _canvas, _other = tenants
    own.launch()
    app.extensions["skillcert.csp"]._cache.clear()  # as if the minute had passed
    with transaction(app) as session:
        for registration in session.query(Registration).filter_by(client_id=own.client_id):
            registration.is_active = False
    assert frame_ancestors(own.client.get("/session")) == ["'self'"]


@pytest.mark.parametrize(
    ("origin", "expected"),
    [
        ("https://canvas.instructure.com", True),
        ("https://school.instructure.com", True),
        ("https://a.b.instructure.com", True),
        ("https://instructure.com", False),  # the wildcard names subdomains only
        ("https://evilinstructure.com", False),
        ("https://school.instructure.com:8443", False),
        ("http://school.instructure.com", False),
        ("https://moodle.school.edu", True),
        ("https://moodle.school.edu:444", False),
        ("https://evil.example;script-src *", False),
    ],
)
def test_admits(origin, expected):
    origins = (
        "https://*.instructure.com",
        "https://canvas.instructure.com",
        "https://moodle.school.edu",
    )
    assert admits(origins, origin) is expected
