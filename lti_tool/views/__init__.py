"""Every page and endpoint of the tool, by audience. A view loads, checks access, calls a
service and renders; queries live in the services.

- ``lti``: login, launch, hand-off, submission review routing, the tool's JWKS;
- ``notices``: where the LMS's Platform Notification Service delivers notices;
- ``registration``: ``/lti/register``, where an LMS registers SkillCert (Dynamic Registration);
- ``learner/``: tracks, activities, attempts, labs, progress, the credentials wallet;
- ``instructor/``: the course, gradebook, grading, grade sync, Deep Linking, item analysis;
- ``admin/``: the LMS administrator's pages (credentials, privacy);
- ``operator/``: the console for the people who host SkillCert (not LMS users);
- ``public``: the front page, health, session, credential pages, verify API, did.json,
  status lists.

The demo LMS (``lti_tool.demo_lms``) is a separate program with its own blueprints.

A row id in a URL is written ``<id:name>`` (:class:`IdConverter`), never ``<int:name>``.
"""

from __future__ import annotations

from flask import Flask
from werkzeug.routing import IntegerConverter, Map

from lti_tool.views import (
    admin,
    case,
    instructor,
    learner,
    lti,
    notices,
    operator,
    public,
    registration,
)

#: The largest id a database column holds (a signed 64-bit integer).
MAX_ID = 2**63 - 1


def _up_to(largest: int) -> str:
    """A regex of the numbers 1 to ``largest`` in ASCII digits, without leading zeros.

    The pattern itself bounds the number: a value the route's regex takes but its converter
    refuses would make Werkzeug answer 405 when the same path has a rule for another method.
    """
    digits = str(largest)
    shorter = f"[1-9][0-9]{{0,{len(digits) - 2}}}" if len(digits) > 1 else ""
    same_length = [
        f"{digits[:i]}[{'1' if i == 0 else '0'}-{int(digit) - 1}][0-9]{{{len(digits) - i - 1}}}"
        for i, digit in enumerate(digits)
        if int(digit) > (1 if i == 0 else 0)
    ]
    return "(?:" + "|".join(filter(None, [shorter, *same_length, digits])) + ")"


class IdConverter(IntegerConverter):
    """A row id: 1 to 2⁶³-1 in plain ASCII digits. Anything else matches no route (404).

    Werkzeug's ``int`` takes any number of digits (and non-ASCII digits), which the
    database then refuses with an error (HTTP 500) instead of "no such page".
    """

    regex = _up_to(MAX_ID)

    def __init__(self, map: Map) -> None:
        super().__init__(map, min=1, max=MAX_ID)


def register_blueprints(app: Flask) -> None:
    app.url_map.converters["id"] = IdConverter
    for blueprint in (
        lti.bp,
        notices.bp,
        registration.bp,
        public.bp,
        case.bp,
        learner.bp,
        instructor.bp,
        admin.bp,
        operator.bp,
    ):
        app.register_blueprint(blueprint)
