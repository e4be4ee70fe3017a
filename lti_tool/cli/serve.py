"""`skillcert serve`: gunicorn in production, or the demo on Flask's threaded server."""

from __future__ import annotations

import ipaddress
import os
import sys
import threading
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import click
from flask import Flask
from werkzeug.serving import run_simple

from lti_tool import migrations
from lti_tool.cli.common import build_app, fail
from lti_tool.cli.db import prepare_database
from lti_tool.cli.worker import configured_worker
from lti_tool.observability import metrics
from lti_tool.resources import resource_dir
from lti_tool.settings import ENV_PREFIX


@click.command("serve")
@click.option("--demo", is_flag=True, help="Run with the built-in demo LMS at /demo-lms.")
@click.option("--workers", type=int, help="Gunicorn workers (default: SKILLCERT_WORKERS).")
@click.option("--bind", help="host:port to listen on (default: SKILLCERT_BIND).")
def serve(demo: bool, workers: int | None, bind: str | None) -> None:
    """Run SkillCert: gunicorn in production, Flask's threaded server with --demo."""
    app = build_app(demo_settings(bind) if demo else None)
    settings = app.config["SETTINGS"]
    engine = app.extensions["skillcert.engine"]
    if settings.sqlite:
        prepare_database(app)
    elif migrations.current_revision(engine) != migrations.head_revision(engine):
        fail("The database schema is not up to date: run `skillcert db upgrade` first.")
    if demo:
        _serve_demo(app, bind)
        return
    if settings.metrics_token:  # before gunicorn forks: every worker counts in one folder
        metrics.share_between_processes(settings.instance_path, clear=True)
    conf = resource_dir("config") / "gunicorn.conf.py"
    argv = [sys.executable, "-m", "gunicorn", "--config", str(conf)]
    argv += ["--bind", bind or settings.bind, "--workers", str(workers or settings.workers)]
    os.execv(sys.executable, [*argv, "lti_tool.wsgi:app"])  # noqa: S606 (fixed argv, no shell)


def demo_settings(bind: str | None, environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The demo's setting overrides: its LMS on and, with ``--bind`` but no base URL set
    (environment or config file), the public URL of the address it listens on, so the demo
    LMS's redirects and the tool's own URLs lead back to this server."""
    overrides: dict[str, Any] = {"demo": True}
    if bind and not _base_url_configured(os.environ if environ is None else environ):
        overrides["base_url"] = demo_base_url(bind)
    return overrides


def demo_base_url(bind: str) -> str:
    """``http://HOST:PORT`` for a ``--bind HOST:PORT`` on this machine; ``localhost`` for
    127.0.0.1 and for every address (0.0.0.0, ::), which a browser cannot open."""
    host, port = _split_bind(bind)
    if host in {"", "0.0.0.0", "::", "127.0.0.1", "localhost"}:  # noqa: S104 (read, not bound)
        return f"http://localhost:{port}"
    try:
        loopback = ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        fail(
            f"The demo runs on plain http, which LMS launches allow only on this machine: "
            f"bind it to 127.0.0.1, localhost or 0.0.0.0 (not {host}), or set "
            "SKILLCERT_BASE_URL to the https URL that reaches it."
        )
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def _split_bind(bind: str) -> tuple[str, int]:
    host, _, port = bind.rpartition(":")
    if not port.isdigit() or not 0 < int(port) < 65536:
        fail(f"--bind takes HOST:PORT, like 127.0.0.1:8000, not {bind!r}.")
    return host.strip("[]"), int(port)


def _base_url_configured(environ: Mapping[str, str]) -> bool:
    """True when the operator named the public URL: in the environment or the config file."""
    if ENV_PREFIX + "BASE_URL" in environ:
        return True
    config = environ.get(ENV_PREFIX + "CONFIG")
    if not config:
        return False
    try:
        return "base_url" in tomllib.loads(Path(config).read_text("utf-8"))
    except (OSError, tomllib.TOMLDecodeError):
        return False  # loading the settings reports the file's problem


def _serve_demo(app: Flask, bind: str | None) -> None:
    """The demo LMS registered, jobs run in-process, on Flask's server until stopped."""
    from lti_tool.demo_lms.platform import register_demo_platform

    settings = app.config["SETTINGS"]
    register_demo_platform(app)
    # The demo runs its background jobs in-process; production runs `skillcert worker`.
    runner = configured_worker(app)
    threading.Thread(target=runner.run, args=(threading.Event(),), daemon=True).start()
    base = urlsplit(settings.base_url)
    host, port = _split_bind(bind) if bind else (base.hostname or "localhost", base.port or 80)
    click.echo(f"SkillCert demo: open {settings.url_for('/demo-lms/')} in your browser.")
    run_simple(host, port, app, threaded=True)
