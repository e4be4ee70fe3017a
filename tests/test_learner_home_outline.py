"""The landing page's track outlines (modules, activities, estimated times) are rendered
once per track and language in a process: each learner still sees them in their own
language, with the same content as a fresh rendering."""

from __future__ import annotations

import re

from tests.simulated_lms import LTI


def outlines(page: str) -> list[str]:
    """The ``<details>`` outline of every track card on the landing page."""
    return re.findall(r"<details>.*?</details>", page, flags=re.S)


def home(client) -> str:
    response = client.get("/learn/")
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def test_each_language_gets_its_own_outline_from_the_same_process(course):
    english_client = course.app.test_client()
    course.launch(client=english_client)
    spanish_client = course.app.test_client()
    course.launch(client=spanish_client, claims={LTI + "launch_presentation": {"locale": "es-MX"}})

    english = outlines(home(english_client))
    spanish = outlines(home(spanish_client))
    english_again = outlines(home(english_client))

    assert english and len(english) == len(spanish)
    assert all("about " in outline and "aprox." not in outline for outline in english)
    assert all("aprox." in outline and "about " not in outline for outline in spanish)
    assert english_again == english
    # Each activity links to its own page, under this app's URL root.
    assert 'href="/learn/a/sample/intro"' in "".join(english)
