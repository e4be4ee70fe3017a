"""Every page and endpoint of the tool, by audience. A view loads, checks access, calls a
service and renders; queries live in the services.

- ``lti``: login, launch, hand-off, submission review routing, the tool's JWKS;
- ``learner/``: tracks, activities, attempts, labs, progress, the credentials wallet;
- ``instructor/``: the course, gradebook, grading, grade sync, Deep Linking, item analysis;
- ``admin``: the LMS administrator's credentials page;
- ``public``: the front page, health, session, credential pages, verify API, did.json,
  status lists.

The demo LMS (``lti_tool.demo_lms``) is a separate program with its own blueprints.
"""

from __future__ import annotations

from flask import Flask

from lti_tool.views import admin, instructor, learner, lti, public


def register_blueprints(app: Flask) -> None:
    for blueprint in (lti.bp, public.bp, learner.bp, instructor.bp, admin.bp):
        app.register_blueprint(blueprint)
