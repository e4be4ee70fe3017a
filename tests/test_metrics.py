"""/metrics: off without a token, 401 with a wrong one, and the sum of every gunicorn worker."""

from __future__ import annotations

import concurrent.futures
import re
from pathlib import Path

import requests

from lti_tool.observability.metrics import SHARED_FOLDER
from tests.test_serve import serving

TOKEN = "metrics-token-for-the-tests-0123456789"


def sample(text: str, name: str, **labels: str) -> float:
    """The value of one sample in Prometheus's text format (0 when it is not there)."""
    wanted = ",".join(f'{key}="{value}"' for key, value in labels.items())
    pattern = (
        rf"^{re.escape(name)}(?:\{{{re.escape(wanted)}\}})? (\S+)$"
        if wanted
        else (rf"^{re.escape(name)} (\S+)$")
    )
    found = re.search(pattern, text, re.MULTILINE)
    return float(found.group(1)) if found else 0.0


def workers_that_counted(instance: Path) -> set[str]:
    """The pids whose shared metric files exist: the processes that counted something."""
    return {path.stem.rpartition("_")[2] for path in (instance / SHARED_FOLDER).glob("*.db")}


def test_metrics_are_off_without_a_token(client):
    assert client.get("/metrics").status_code == 404


def test_a_wrong_or_missing_token_is_refused(make_app):
    app = make_app(metrics_token=TOKEN)
    client = app.test_client()
    assert client.get("/metrics").status_code == 401
    wrong = client.get("/metrics", headers={"Authorization": "Bearer " + TOKEN[:-1] + "x"})
    assert wrong.status_code == 401 and wrong.headers["WWW-Authenticate"].startswith("Bearer")
    scrape = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert scrape.status_code == 200
    assert "skillcert_launch_duration_seconds" in scrape.text
    app.extensions["skillcert.engine"].dispose()


def test_every_gunicorn_worker_is_counted(tmp_path):
    instance = tmp_path / "instance"
    no_rate_limits = {"SKILLCERT_RATE_LIMIT_PER_MINUTE": "0", "SKILLCERT_RATE_LIMIT_BURST": "0"}
    with serving(
        tmp_path, "--workers", "2", SKILLCERT_METRICS_TOKEN=TOKEN, **no_rate_limits
    ) as base:
        auth = {"Authorization": f"Bearer {TOKEN}"}
        assert requests.get(base + "/metrics", timeout=10).status_code == 401
        before = requests.get(base + "/metrics", headers=auth, timeout=10).text
        assert sample(before, "skillcert_launches_total", outcome="refused") == 0

        def refused_launch(_: int) -> int:
            form = {"id_token": "not.a.token", "state": "nothing"}
            return requests.post(base + "/lti/launch", data=form, timeout=10).status_code

        sent = 0
        # Concurrent posts reach both workers (each serves 4 at once); keep sending until
        # both have counted, as the kernel alone decides which worker accepts.
        with concurrent.futures.ThreadPoolExecutor(16) as pool:
            while sent < 800 and len(workers_that_counted(instance)) < 2:
                assert set(pool.map(refused_launch, range(40))) == {400}
                sent += 40
        assert len(workers_that_counted(instance)) >= 2, "one worker served every launch"

        scrape = requests.get(base + "/metrics", headers=auth, timeout=10)
        assert scrape.status_code == 200
        text = scrape.text
        assert sample(text, "skillcert_launches_total", outcome="refused") == sent
        assert sample(text, "skillcert_launch_duration_seconds_count") == sent
        assert sample(text, "skillcert_launches_total", outcome="accepted") == 0
        assert "skillcert_jobs_queued" in text and "skillcert_jobs_oldest_due_age_seconds" in text


def test_metrics_are_off_in_gunicorn_without_a_token(tmp_path):
    with serving(tmp_path, "--workers", "2", SKILLCERT_METRICS_TOKEN=None) as base:
        assert requests.get(base + "/metrics", timeout=10).status_code == 404
    assert not (tmp_path / "instance" / SHARED_FOLDER).exists()
