"""`skillcert worker`: the process that runs background jobs."""

from __future__ import annotations

import signal
import threading

import click
from flask import Flask

from lti_tool.cli.common import build_app
from lti_tool.jobs.worker import Worker
from lti_tool.observability import metrics


def configured_worker(app: Flask) -> Worker:
    """A job runner with the concurrency limits of the app's settings."""
    settings = app.config["SETTINGS"]
    return Worker(
        app, concurrency=settings.worker_concurrency, group_cap=settings.gradesync_per_platform
    )


@click.command("worker")
@click.option("--once", is_flag=True, help="Run the jobs that are due, then stop.")
@click.option("--poll-seconds", type=float, default=1.0, show_default=True)
def worker(once: bool, poll_seconds: float) -> None:
    """Run background jobs (lab grading, …) until stopped with SIGTERM or Ctrl-C.

    Run several on PostgreSQL (they never take the same job); one on SQLite.
    """
    app = build_app()
    settings = app.config["SETTINGS"]
    if settings.metrics_token:  # the web's /metrics then counts this worker's jobs too
        metrics.share_between_processes(settings.instance_path, clear=False)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    runner = configured_worker(app)
    click.echo(f"Worker {runner.worker_id} started.")
    try:
        if once:
            while runner.run_once():
                pass
        else:
            runner.run(stop, poll_seconds=poll_seconds)
    except KeyboardInterrupt:
        pass
    click.echo(f"Worker {runner.worker_id} stopped.")
