"""`skillcert serve`: gunicorn in production, or the demo on Flask's threaded server."""

from __future__ import annotations

import os
import sys
import threading
from urllib.parse import urlsplit

import click
from flask import Flask
from werkzeug.serving import run_simple

from lti_tool import migrations
from lti_tool.cli.common import build_app, fail
from lti_tool.cli.db import prepare_database
from lti_tool.cli.worker import configured_worker
from lti_tool.resources import resource_dir


@click.command("serve")
@click.option("--demo", is_flag=True, help="Run with the built-in demo LMS at /demo-lms.")
@click.option("--workers", type=int, help="Gunicorn workers (default: SKILLCERT_WORKERS).")
@click.option("--bind", help="host:port to listen on (default: SKILLCERT_BIND).")
def serve(demo: bool, workers: int | None, bind: str | None) -> None:
    """Run SkillCert: gunicorn in production, Flask's threaded server with --demo."""
    app = build_app({"demo": True} if demo else None)
    settings = app.config["SETTINGS"]
    engine = app.extensions["skillcert.engine"]
    if settings.sqlite:
        prepare_database(app)
    elif migrations.current_revision(engine) != migrations.head_revision(engine):
        fail("The database schema is not up to date: run `skillcert db upgrade` first.")
    if demo:
        _serve_demo(app, bind)
        return
    conf = resource_dir("config") / "gunicorn.conf.py"
    argv = [sys.executable, "-m", "gunicorn", "--config", str(conf)]
    argv += ["--bind", bind or settings.bind, "--workers", str(workers or settings.workers)]
    os.execv(sys.executable, [*argv, "lti_tool.wsgi:app"])  # noqa: S606 (fixed argv, no shell)


def _serve_demo(app: Flask, bind: str | None) -> None:
    """The demo LMS registered, jobs run in-process, on Flask's server until stopped."""
    from lti_tool.demo_lms.platform import register_demo_platform

    settings = app.config["SETTINGS"]
    register_demo_platform(app)
    # The demo runs its background jobs in-process; production runs `skillcert worker`.
    runner = configured_worker(app)
    threading.Thread(target=runner.run, args=(threading.Event(),), daemon=True).start()
    base = urlsplit(settings.base_url)
    host, port = bind.rsplit(":", 1) if bind else (base.hostname, base.port or 80)
    click.echo(f"SkillCert demo: open {settings.url_for('/demo-lms/')} in your browser.")
    run_simple(host, int(port), app, threaded=True)
