"""An ordinary LTI 1.3 tool, written the plain way, for ``bench/launch.py --baseline``.

It is what a developer following pylti1p3's own Flask example
(github.com/dmitry-viskov/pylti1.3-flask-example, ``game/app.py``, read 2026-12-06) ends
up with: ``FlaskOIDCLogin`` at ``/login/``, ``FlaskMessageLaunch`` at ``/launch/``, the
registration in a ``ToolConfJsonFile``, launch state in Flask-Caching through pylti1p3's
``FlaskCacheDataStorage``, and the landing page rendered by Jinja in the launch response
itself (so one launch is two requests, not SkillCert's three). It is SkillCert's yardstick,
not a second product: the bench measures what an ordinary tool costs per launch.

Where the example is not what a production deployment of it would be, this follows the
deployment, and says why:

* the cache is Flask-Caching's ``FileSystemCache`` (the example's ``simple`` cache lives in
  one process, and gunicorn runs two), the "file-system cache" issue 19 names;
* the cache's size limit is raised from Flask-Caching's default (see ``create_app``);
* the platform's keys are cached with pylti1p3's ``set_public_key_caching`` in that cache,
  as SkillCert caches JWKS (otherwise every launch would fetch the JWKS over HTTP);
* the OIDC login is a plain 302: the example's ``enable_check_cookies()`` answers with a
  JavaScript page first, which only a browser in a third-party iframe needs;
* the user is remembered in Flask's signed-cookie session after the launch, as any tool
  with more than one page must.

pylti1p3's checks are all kept: state cookie, nonce known to the cache, the RS256
signature against the platform's JWKS, ``iss``/``aud``/``exp``, deployment id and the LTI
message claims. (pylti1p3 does not delete a nonce once used; SkillCert does.)

Served by gunicorn as ``baseline_tool:create_app()`` with ``BASELINE_TOOL_CONFIG`` naming
the ``ToolConfJsonFile``; the cache folder and the secret key sit beside it.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from flask import Flask, Response, render_template, session
from flask_caching import Cache
from pylti1p3.contrib.flask import (
    FlaskCacheDataStorage,
    FlaskMessageLaunch,
    FlaskOIDCLogin,
    FlaskRequest,
)
from pylti1p3.exception import LtiException
from pylti1p3.tool_config import ToolConfJsonFile

CONFIG_ENV = "BASELINE_TOOL_CONFIG"
SESSION_COOKIE = "baseline-session"
LTI = "https://purl.imsglobal.org/spec/lti/claim/"

#: What the landing page lists: an ordinary tool's course outline, sized so the page weighs
#: about what SkillCert's /learn/ does (the bench prints both pages' sizes).
TOPICS = (
    "Foundations of AI",
    "Data and privacy",
    "Prompting with care",
    "Evaluating outputs",
    "Automation at work",
    "Responsible use",
)
MODULES = tuple(
    {
        "title": f"Module {n}: {TOPICS[n % len(TOPICS)]}",
        "summary": f"What {TOPICS[n % len(TOPICS)].lower()} means at work, with a short lab "
        "and three questions at the end.",
        "lessons": [
            {
                "title": f"{TOPICS[n % len(TOPICS)]}, part {part}",
                "summary": "A reading, a worked example and a check of what you understood.",
            }
            for part in range(1, 7)
        ],
    }
    for n in range(1, 33)
)


def create_app(config_file: str | None = None) -> Flask:
    """The tool, configured by the ToolConfJsonFile at ``config_file`` (or $BASELINE_TOOL_CONFIG).

    The cache folder and ``secret_key`` file are looked for beside it.
    """
    config_path = Path(config_file or os.environ[CONFIG_ENV])
    folder = config_path.parent
    app = Flask(__name__)
    app.config.from_mapping(
        SECRET_KEY=(folder / "secret_key").read_text().strip(),
        CACHE_TYPE="FileSystemCache",
        CACHE_DIR=str(folder / "cache"),
        CACHE_DEFAULT_TIMEOUT=600,
        # Flask-Caching's default of 500 entries makes every write past it list, open and
        # prune the folder (and drop every third entry, live nonces too): measured at about
        # 65 ms of CPU per launch once a few hundred launches are cached. A deployment would
        # raise it, so the yardstick does; a slower one would flatter SkillCert.
        CACHE_THRESHOLD=1_000_000,
        SESSION_COOKIE_NAME=SESSION_COOKIE,
        SESSION_COOKIE_HTTPONLY=True,
    )
    cache = Cache(app)
    tool_conf = ToolConfJsonFile(str(config_path))

    def launch_data_storage() -> FlaskCacheDataStorage:
        return FlaskCacheDataStorage(cache)

    @app.get("/healthz")
    def healthz() -> str:
        return "ok"

    @app.route("/login/", methods=["GET", "POST"])
    def login() -> Any:
        request = FlaskRequest()
        target_link_uri = request.get_param("target_link_uri")
        if not target_link_uri:
            return Response("Missing target_link_uri.", status=400)
        oidc_login = FlaskOIDCLogin(request, tool_conf, launch_data_storage=launch_data_storage())
        try:
            return oidc_login.redirect(target_link_uri)
        except LtiException as exc:
            return Response(f"Login refused: {exc}", status=400)

    @app.post("/launch/")
    def launch() -> Any:
        storage = launch_data_storage()
        message_launch = FlaskMessageLaunch(FlaskRequest(), tool_conf, launch_data_storage=storage)
        message_launch.set_public_key_caching(storage, cache_lifetime=300)
        try:
            data = message_launch.get_launch_data()
        except LtiException as exc:
            return Response(f"Launch refused: {exc}", status=403)
        session["launch_id"] = message_launch.get_launch_id()
        session["sub"] = data["sub"]
        return render_template(
            "landing.html",
            name=data.get("name", ""),
            course=data.get(LTI + "context", {}).get("title", ""),
            link=data.get(LTI + "resource_link", {}).get("title", ""),
            modules=MODULES,
        )

    return app
