"""Credential pages worth sharing: the track's badge (the OB 3.0 achievement image), criteria
rendered from Markdown, a QR code of a sensible size, a printable certificate and "Add to
LinkedIn" with the right parameters."""

from __future__ import annotations

import html
import json
import re
import shutil
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import jsonschema
import pytest
from sqlalchemy import select, update

from lti_tool.db import transaction
from lti_tool.models import Credential, CredentialState, User
from tests.conftest import BASE_URL, SAMPLE_CONTENT, LmsDriver
from tests.test_credentials import SCHEMA, api_verify, failed_codes, issue
from tests.test_credentials_wallet import save_choices

SVG = "{http://www.w3.org/2000/svg}"
BADGE = "/credentials/tracks/sample/badge.svg"


def page(client, path: str, **headers: str) -> str:
    response = client.get(path, headers=headers)
    try:
        assert response.status_code == 200, path
        return response.get_data(as_text=True)
    finally:
        response.close()  # a static file is streamed from an open file


def credential_id(document: dict) -> str:
    return document["id"].removeprefix("urn:uuid:")


def svg_root(body: str) -> ET.Element:
    """The badge parsed as XML (a malformed badge fails here)."""
    return ET.fromstring(body.encode())  # noqa: S314 (our own output, in a test)


@pytest.fixture
def learner(course) -> int:
    """A learner of the sample-track course who chose not to include their name."""
    course.launch(sub="ada", name="Ada Lovelace")
    with transaction(course.app) as session:
        return _user_id(session, "ada")


# -- the badge ---------------------------------------------------------------------------


def test_the_badge_is_a_self_contained_svg_with_a_title(course):
    client = course.app.test_client()
    response = client.get(BADGE)
    assert response.status_code == 200
    assert response.mimetype == "image/svg+xml"
    assert response.headers["Cache-Control"].startswith("public, max-age=")
    body = response.get_data(as_text=True)
    root = svg_root(body)
    assert root.tag == f"{SVG}svg"
    assert root.findtext(f"{SVG}title") == "Sample Practitioner"
    assert root.findtext(f"{SVG}desc") == (
        "Badge of the certificate Sample Practitioner, issued by SkillCert"
    )
    words = [text.text for text in root.iter(f"{SVG}text")]
    assert words[0] == "CERTIFICATE" and "Sample" in " ".join(words)
    # Nothing runs and nothing is fetched: no script, no link, no url(), no style sheet.
    for element in root.iter():
        assert element.tag.removeprefix(SVG) not in {"script", "style", "image", "a", "use"}
        for name, value in element.attrib.items():
            assert "href" not in name and not name.startswith("on"), name
            assert "url(" not in value and "javascript:" not in value
    # A cache revalidates it cheaply.
    again = client.get(BADGE, headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304
    # A specialisation says so; a track that is not served has no badge.
    special = svg_root(page(client, "/credentials/tracks/sample-special/badge.svg"))
    assert next(special.iter(f"{SVG}text")).text == "SPECIALISATION"
    assert client.get("/credentials/tracks/no-such-track/badge.svg").status_code == 404


@pytest.fixture
def odd_course(make_app, simulated_lms, tmp_path) -> Iterator[LmsDriver]:
    """The sample track renamed with markup in its title, from an issuer named with "&"."""
    content = tmp_path / "content"
    shutil.copytree(SAMPLE_CONTENT, content)
    track_file = Path(content, "sample_track", "track.yaml")
    track_file.write_text(
        track_file.read_text().replace(
            "title: Sample Practitioner",
            """title: 'Safety <&> "Trust" </title><script>alert(1)</script>'""",
            1,
        )
    )
    app = make_app(content_path=str(content), issuer_name="Ada & Co. <Academy>")
    driver = LmsDriver(app, app.test_client(), simulated_lms)
    driver.register()
    yield driver
    app.extensions["skillcert.engine"].dispose()


def test_the_badge_escapes_the_track_title_and_issuer(odd_course):
    client = odd_course.app.test_client()
    body = page(client, BADGE)
    root = svg_root(body)  # still well-formed XML
    title = 'Safety <&> "Trust" </title><script>alert(1)</script>'
    assert root.findtext(f"{SVG}title") == title
    assert "<script>" not in body and "&lt;&amp;&gt;" in body
    assert not [element for element in root.iter() if element.tag == f"{SVG}script"]
    assert "Ada & Co. <Academy>" in root.findtext(f"{SVG}desc")
    # The pages escape it too.
    achievement = page(client, "/credentials/tracks/sample")
    assert "<script>alert" not in achievement and "Safety &lt;&amp;&gt;" in achievement


# -- the credential document -------------------------------------------------------------


def test_a_new_credential_names_the_badge_as_its_image_and_still_verifies(course, learner):
    document = issue(course, learner)
    image = dict(document["credentialSubject"]["achievement"]["image"])
    assert image == {
        "id": f"{BASE_URL}{BADGE}",
        "type": "Image",
        "caption": "Badge of the certificate Sample Practitioner, issued by SkillCert",
    }
    jsonschema.Draft201909Validator(json.loads(SCHEMA.read_text())).validate(document)
    assert api_verify(course, document)["verified"] is True
    # The image is signed: pointing it elsewhere breaks the proof.
    document["credentialSubject"]["achievement"]["image"]["id"] = "https://evil.example/b.svg"
    assert failed_codes(api_verify(course, document)) == {"proof_invalid"}
    # And it is served where the credential says.
    response = course.app.test_client().get(image["id"].removeprefix(BASE_URL))
    assert response.status_code == 200 and response.mimetype == "image/svg+xml"


# -- the public page ---------------------------------------------------------------------


def test_criteria_are_rendered_from_markdown_and_sanitised(course, learner):
    held = credential_id(issue(course, learner))
    client = course.app.test_client()
    shown = page(client, f"/credentials/{held}")
    assert re.search(r'<div class="criteria"><ul>\s*<li>Score at least 70% in the module', shown)
    assert "- Score at least" not in shown
    # Markup an author might write: emphasis, a heading, and a script that must not survive.
    with transaction(course.app) as session:
        credential = session.get(Credential, held)
        narrative = "#### Requirements\n\nScore **at least** 70%.\n\n<script>alert(1)</script>"
        credential.achievement = {**credential.achievement, "criteria": {"narrative": narrative}}
    shown = page(client, f"/credentials/{held}")
    criteria = shown[shown.index('<div class="criteria">') :]
    criteria = criteria[: criteria.index("</div>")]
    assert "<h4>Requirements</h4>" in criteria and "<strong>at least</strong>" in criteria
    assert "**" not in criteria and "#" not in criteria and "<script" not in criteria
    # The achievement page shows the same rules as a list.
    achievement = page(client, "/credentials/tracks/sample")
    assert re.search(r'<div class="criteria"><ul>\s*<li>Score at least', achievement)
    assert f'src="{BADGE}"' in achievement


def test_the_qr_code_has_a_bounded_size_and_says_what_it_encodes(course, learner):
    held = credential_id(issue(course, learner))
    shown = page(course.app.test_client(), f"/credentials/{held}")
    url = f"{BASE_URL}/credentials/{held}"
    figure = shown[shown.index('<figure class="certificate-qr">') :]
    figure = figure[: figure.index("</figure>")]
    assert f'role="img" aria-label="QR code that opens this page: {url}"' in figure
    svg = re.search(r"<svg [^>]*>", figure).group(0)
    width = int(re.search(r'width="(\d+)"', svg).group(1))
    height = int(re.search(r'height="(\d+)"', svg).group(1))
    assert 160 <= width == height <= 200
    assert 'viewBox="0 0 ' in svg  # drawn to that box, whatever the URL's length
    assert f'Verify this credential at: <a class="url" href="{url}">{url}</a>' in figure
    # This learner left their name out of the credential: the page does not show it.
    assert "This certifies that" not in shown and "Ada Lovelace" not in shown


def test_the_certificate_prints_on_one_page_without_navigation(course):
    course.launch(sub="ada", name="Ada Lovelace")
    save_choices(course.client, include_name="on")
    with transaction(course.app) as session:
        user_id = _user_id(session, "ada")
    held = credential_id(issue(course, user_id))
    client = course.app.test_client()
    shown = page(client, f"/credentials/{held}")
    certificate = shown[shown.index('<article class="certificate"') : shown.index("</article>")]
    assert "This certifies that" in certificate and "Ada Lovelace" in certificate
    assert '<h1 id="certificate-heading">Sample Practitioner</h1>' in certificate
    assert '<dt>Issuer</dt><dd lang="">SkillCert</dd>' in certificate
    assert re.search(r"<dt>Awarded</dt><dd>\w+ \d{1,2}, \d{4}</dd>", certificate)
    assert f"/credentials/{held}</a>" in certificate and "<svg " in certificate
    # Everything else on the page is screen-only.
    for heading in ("verdict-heading", "details-heading", "share-heading"):
        assert re.search(rf'<section class="card no-print" aria-labelledby="{heading}">', shown)
    # The button needs the script (hidden without it); the instructions do not.
    assert '<button class="button" type="button" data-print hidden>' in shown
    assert "js/print-button.js" in shown and "Ctrl+P" in shown
    script = page(client, "/static/js/print-button.js")
    assert "window.print()" in script and "hidden = false" in script

    css = page(client, "/static/css/skillcert.css")
    assert re.search(r"\.print-controls \[hidden\] \{ display: none; \}", css)  # beats .button
    start = css.index("@media print")
    block = css[start : _closing_brace(css, css.index("{", start))]
    hidden = re.search(r"([^{}]+)\{\s*display:\s*none", block).group(1)
    for selector in (".site-header", ".skip-link", ".no-print"):
        assert selector in hidden, selector
    assert "@page" in css and "break-inside: avoid" in block


def test_the_certificate_reads_in_spanish(course, learner):
    held = credential_id(issue(course, learner))
    shown = page(course.app.test_client(), f"/credentials/{held}", **{"Accept-Language": "es"})
    assert re.search(r"<dd>\d{1,2} de \w+ de \d{4}</dd>", shown)


def _user_id(session, sub: str) -> int:
    return session.scalar(select(User.id).where(User.sub == sub))


def _closing_brace(text: str, opening: int) -> int:
    depth = 0
    for index in range(opening, len(text)):
        depth += {"{": 1, "}": -1}.get(text[index], 0)
        if depth == 0:
            return index
    raise AssertionError("unbalanced braces")


# -- LinkedIn ----------------------------------------------------------------------------


def linkedin_links(shown: str) -> list[str]:
    return [
        html.unescape(href)
        for href in re.findall(r'href="(https://www\.linkedin\.com/profile/add\?[^"]+)"', shown)
    ]


def test_the_wallet_offers_linkedin_with_encoded_parameters(odd_course):
    odd_course.launch(sub="ada", name="Ada Lovelace")
    with transaction(odd_course.app) as session:
        user_id = _user_id(session, "ada")
    document = issue(odd_course, user_id)
    held = credential_id(document)
    wallet = odd_course.client.get("/learn/credentials").get_data(as_text=True)
    (link,) = linkedin_links(wallet)
    query = urlsplit(link).query
    assert " " not in query and "+" not in query  # spaces as %20
    assert "organizationName=Ada%20%26%20Co.%20%3CAcademy%3E" in query  # "&" cannot split it
    assert f"certUrl=http%3A%2F%2Flocalhost%2Fcredentials%2F{held}" in query
    params = {key: values for key, values in parse_qs(query, strict_parsing=True).items()}
    assert params == {
        "startTask": ["CERTIFICATION_NAME"],
        "name": ['Safety <&> "Trust" </title><script>alert(1)</script>'],
        "organizationName": ["Ada & Co. <Academy>"],
        "issueYear": [document["validFrom"][:4]],
        "issueMonth": [str(int(document["validFrom"][5:7]))],
        "expirationYear": [document["validUntil"][:4]],
        "expirationMonth": [str(int(document["validUntil"][5:7]))],
        "certUrl": [f"{BASE_URL}/credentials/{held}"],
        "certId": [held],
    }
    assert "opens in a new window" in wallet
    # The public page offers it to the holder, in words an employer reading it understands.
    public = page(odd_course.app.test_client(), f"/credentials/{held}")
    assert linkedin_links(public) == [link]
    assert "Is this your credential?" in public
    # A revoked credential is nothing to add to a profile.
    with transaction(odd_course.app) as session:
        session.execute(
            update(Credential).where(Credential.id == held).values(state=CredentialState.REVOKED)
        )
    wallet = odd_course.client.get("/learn/credentials").get_data(as_text=True)
    assert linkedin_links(wallet) == []
