"""A non-editable install (a wheel) carries templates/ and config/ and serves pages."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_wheel_carries_templates_and_config_and_works(tmp_path):
    built = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(tmp_path / "dist"),
            str(ROOT),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert built.returncode == 0, built.stderr
    [wheel] = (tmp_path / "dist").glob("skillcert-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for expected in (
        "lti_tool/templates/base.html",
        "lti_tool/config/platforms/canvas.toml",
        "lti_tool/config/gunicorn.conf.py",
        "lti_tool/migrations/env.py",
        "lti_tool/static/css/skillcert.css",
        "lti_tool/translations/es/LC_MESSAGES/messages.mo",
        "assessments/tracks/k12-ai-education/track.yaml",
    ):
        assert expected in names

    target = tmp_path / "site"
    installed = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--no-deps",
            "-q",
            "--target",
            str(target),
            str(wheel),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert installed.returncode == 0, installed.stderr
    script = (
        "import lti_tool, lti_tool.resources as r;"
        "from lti_tool.app import create_app;"
        "from lti_tool.cli import prepare_database;"
        f"assert lti_tool.__file__.startswith({str(target)!r}), lti_tool.__file__;"
        "assert (r.resource_dir('templates') / 'base.html').is_file();"
        "app = create_app({'instance_path': %r});"
        % str(tmp_path / "instance")
        + "prepare_database(app);"
        "page = app.test_client().get('/');"
        "assert page.status_code == 200 and b'SkillCert' in page.data, page.status_code;"
        # The installed copy finds its compiled Spanish catalogue.
        "page = app.test_client().get('/', headers={'Accept-Language': 'es'});"
        "assert 'Para empezar' in page.get_data(as_text=True), page.status_code;"
        "print('ok')"
    )
    # Run outside the checkout, so only the installed copy can be imported.
    env = {**os.environ, "PYTHONPATH": str(target)}
    env.pop("SKILLCERT_CONFIG", None)
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0 and result.stdout.strip() == "ok", result.stderr
