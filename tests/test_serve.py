"""`skillcert serve`: the demo as the README runs it, and gunicorn in production mode."""

from __future__ import annotations

import contextlib
import html
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import click
import pytest
import requests


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def serving(tmp_path: Path, *args: str, **env: str | None) -> Iterator[str]:
    """``skillcert serve ARGS`` on a free loopback port; ``env`` adds SKILLCERT_* settings
    (None leaves one unset)."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    settings = {
        **os.environ,
        "SKILLCERT_BASE_URL": base,
        "SKILLCERT_INSTANCE_PATH": str(tmp_path / "instance"),
        "SKILLCERT_BIND": f"127.0.0.1:{port}",
        **env,
    }
    settings.pop("SKILLCERT_DATABASE_URL", None)
    settings.pop("SKILLCERT_CONFIG", None)
    settings = {name: value for name, value in settings.items() if value is not None}
    log_path = tmp_path / f"serve-{port}.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "lti_tool.entry", "serve", *args, "--bind", f"127.0.0.1:{port}"],
            env=settings,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, log_path.read_text()
            with contextlib.suppress(requests.ConnectionError, requests.Timeout):
                if requests.get(base + "/healthz", timeout=10).status_code == 200:
                    break
            assert time.monotonic() < deadline, "server did not start in 60 s"
            time.sleep(0.2)
        yield base
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)


def launch_from_demo_lms(
    base: str, role: str, link: str = ""
) -> tuple[requests.Session, requests.Response]:
    """A browser launched from the demo course, and the page it landed on."""
    browser = requests.Session()
    course = browser.get(f"{base}/demo-lms/", params={"as": role, "link": link}, timeout=10)
    assert course.status_code == 200
    frame_src = html.unescape(re.search(r'<iframe[^>]*src="([^"]+)"', course.text).group(1))
    auth_page = browser.get(base + frame_src, timeout=10)  # tool login → LMS auth (redirects)
    assert auth_page.status_code == 200, auth_page.text
    fields = dict(re.findall(r'name="(\w+)" value="([^"]*)"', auth_page.text))
    action = re.search(r'<form method="post" action="([^"]+)"', auth_page.text).group(1)
    form = {name: html.unescape(value) for name, value in fields.items()}
    landing = browser.post(html.unescape(action), data=form, timeout=10)
    assert landing.status_code == 200, landing.text
    return browser, landing


def test_demo_serves_learner_and_instructor_pages(tmp_path):
    with serving(tmp_path, "--demo") as base:
        learner, _ = launch_from_demo_lms(base, "learner")
        assert learner.get(base + "/session", timeout=5).json()["role"] == "learner"
        assert "Your certification tracks" in learner.get(base + "/learn/", timeout=5).text
        instructor, _ = launch_from_demo_lms(base, "instructor")
        teach = instructor.get(base + "/teach/", timeout=5).text
        assert "Ada Lovelace" in teach and "Grace Hopper" in teach
    # A second start finds the demo LMS registered already and works the same.
    with serving(tmp_path, "--demo") as base:
        browser, _ = launch_from_demo_lms(base, "learner")
        assert browser.get(base + "/learn/", timeout=5).ok


def test_demo_bound_elsewhere_sends_the_browser_back_to_itself(tmp_path):
    """`serve --demo --bind HOST:PORT` without SKILLCERT_BASE_URL: the demo LMS's redirects
    and the tool's URLs lead to the bound port (on localhost), not to localhost:5000."""
    with serving(tmp_path, "--demo", SKILLCERT_BASE_URL=None) as base:
        port = base.rsplit(":", 1)[1]
        public = f"http://localhost:{port}"
        learner, landing = launch_from_demo_lms(base, "learner")
        assert landing.url.startswith(public + "/")
        assert learner.get(public + "/session", timeout=5).json()["role"] == "learner"
        assert requests.get(base + "/demo-lms/jwks.json", timeout=5).ok
    log = next(tmp_path.glob("serve-*.log")).read_text()
    assert f"open {public}/demo-lms/ in your browser" in log


def test_demo_base_url_comes_from_bind_unless_one_is_set(tmp_path):
    from lti_tool.cli.serve import demo_settings

    assert demo_settings(None, {}) == {"demo": True}
    derived = {
        "127.0.0.1:8123": "http://localhost:8123",
        "0.0.0.0:8124": "http://localhost:8124",
        "localhost:8125": "http://localhost:8125",
        "[::]:8126": "http://localhost:8126",
        "[::1]:8127": "http://[::1]:8127",
        "127.0.0.2:8128": "http://127.0.0.2:8128",
    }
    for bind, url in derived.items():
        assert demo_settings(bind, {}) == {"demo": True, "base_url": url}, bind
    named = {"SKILLCERT_BASE_URL": "http://localhost:9000"}
    assert demo_settings("127.0.0.1:8123", named) == {"demo": True}
    config = tmp_path / "skillcert.toml"
    config.write_text('base_url = "http://localhost:9000"\n')
    assert demo_settings("127.0.0.1:8123", {"SKILLCERT_CONFIG": str(config)}) == {"demo": True}
    config.write_text("workers = 3\n")
    with_config = demo_settings("127.0.0.1:8123", {"SKILLCERT_CONFIG": str(config)})
    assert with_config["base_url"] == "http://localhost:8123"
    for refused in ("192.0.2.10:8000", "127.0.0.1", "127.0.0.1:http", "127.0.0.1:70000"):
        with pytest.raises(click.ClickException):
            demo_settings(refused, {})


def test_production_serve_runs_gunicorn_without_demo_lms(tmp_path):
    with serving(tmp_path, "--workers", "2") as base:
        assert requests.get(base + "/demo-lms/", timeout=5).status_code == 404
        keys = requests.get(base + "/lti/jwks.json", timeout=5).json()["keys"]
        assert len(keys) == 1 and "d" not in keys[0]


def test_worker_command_runs_due_jobs_and_stops(tmp_path):
    env = {**os.environ, "SKILLCERT_INSTANCE_PATH": str(tmp_path / "instance")}
    env.pop("SKILLCERT_DATABASE_URL", None)
    env.pop("SKILLCERT_CONFIG", None)
    upgrade = [sys.executable, "-m", "lti_tool.entry", "db", "upgrade"]
    subprocess.run(upgrade, env=env, check=True, capture_output=True, timeout=120)
    result = subprocess.run(
        [sys.executable, "-m", "lti_tool.entry", "worker", "--once"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "started" in result.stdout and "stopped" in result.stdout


def test_demo_instructor_places_modules_and_learners_open_them(tmp_path):
    """The demo story's first half over real HTTP: Deep Linking into the demo course."""
    with serving(tmp_path, "--demo") as base:
        instructor, landing = launch_from_demo_lms(base, "instructor", link="deep-link")
        picker = landing.text
        assert "Add SkillCert to" in picker and 'type="checkbox"' in picker
        targets = re.findall(r'name="target" value="(module:[^"]+)"', picker)[:2]
        token = re.search(r'name="csrf_token" value="([^"]+)"', picker).group(1)
        returned = instructor.post(
            f"{base}/teach/deep-link", data={"csrf_token": token, "target": targets}, timeout=10
        )
        jwt_value = html.unescape(re.search(r'name="JWT" value="([^"]+)"', returned.text).group(1))
        action = re.search(r'<form method="post" action="([^"]+)"', returned.text).group(1)
        placed = instructor.post(html.unescape(action), data={"JWT": jwt_value}, timeout=10)
        assert placed.status_code == 200
        assert "2 items were added to the course." in placed.text
        course = instructor.get(f"{base}/demo-lms/", timeout=10)
        links = re.findall(r"link=(demo-placed-\d+)", course.text)
        assert len(set(links)) == 2

        _, landing = launch_from_demo_lms(base, "learner", link=links[0])
        assert "This link opens <strong>" in landing.text
        forged = requests.post(
            f"{base}/demo-lms/deep-link-return", data={"JWT": jwt_value + "x"}, timeout=10
        )
        assert forged.status_code == 400


def test_production_serve_loads_the_tracks_once_before_it_opens_its_port(tmp_path):
    """gunicorn preloads the app: the tracks are read by the master before the first
    request, not by each worker inside a learner's first page (seconds of CPU each)."""
    content = tmp_path / "content"
    (content / "half-written").mkdir(parents=True)
    (content / "half-written" / "track.yaml").write_text("id: half-written\n")
    with serving(tmp_path, "--workers", "2", SKILLCERT_CONTENT_PATH=str(content)):
        log = next(tmp_path.glob("serve-*.log")).read_text()
    problem = "half-written/track.yaml:1: 'version' is required"
    assert log.count(problem) == 1, log
    assert log.index(problem) < log.index("Listening at"), log
