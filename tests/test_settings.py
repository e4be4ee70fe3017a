"""Settings: defaults < config file < environment < test overrides; bad values stop start-up."""

from __future__ import annotations

import subprocess
import sys

import pytest

from lti_tool.errors import SettingsError
from lti_tool.outbound import check_platform_url
from lti_tool.settings import load_settings


def test_layers_and_generated_defaults(tmp_path):
    config = tmp_path / "skillcert.toml"
    config.write_text('base_url = "https://from-file.example.edu"\nworkers = 3\nunknown = 1\n')
    env = {"SKILLCERT_CONFIG": str(config), "SKILLCERT_WORKERS": "5"}
    settings = load_settings(environ=env, default_instance_path=tmp_path / "inst")
    assert settings.base_url == "https://from-file.example.edu"
    assert settings.workers == 5  # environment beats the file
    assert settings.database_url == f"sqlite:///{tmp_path / 'inst' / 'skillcert.db'}"
    secret = (tmp_path / "inst" / "secret_key").read_text()
    assert settings.secret_key == secret and len(secret) >= 40
    assert (tmp_path / "inst" / "secret_key").stat().st_mode & 0o077 == 0
    again = load_settings(environ=env, default_instance_path=tmp_path / "inst")
    assert again.secret_key == secret  # kept across restarts


@pytest.mark.parametrize(
    ("env", "message"),
    [
        (
            {"SKILLCERT_BASE_URL": "http://skillcert.example.edu"},
            "SKILLCERT_BASE_URL must use https",
        ),
        ({"SKILLCERT_BASE_URL": "ftp://x"}, "SKILLCERT_BASE_URL must be the tool's public URL"),
        ({"SKILLCERT_WORKERS": "many"}, "SKILLCERT_WORKERS must be a number"),
        ({"SKILLCERT_WORKERS": "0"}, "workers must be greater than 0"),
        ({"SKILLCERT_DEMO": "perhaps"}, "SKILLCERT_DEMO must be true or false"),
        ({"SKILLCERT_DATABASE_URL": "mysql://x"}, "SKILLCERT_DATABASE_URL must be a sqlite"),
        ({"SKILLCERT_CONFIG": "/nonexistent/skillcert.toml"}, "SKILLCERT_CONFIG: cannot read"),
        ({"SKILLCERT_LOG_LEVEL": "LOUD"}, "log_level must be"),
    ],
)
def test_invalid_settings_name_the_setting(tmp_path, env, message):
    with pytest.raises(SettingsError, match=message):
        load_settings(environ=env, default_instance_path=tmp_path)


def test_cli_reports_bad_setting_in_one_line(tmp_path):
    env = {
        "SKILLCERT_BASE_URL": "http://public.example.edu",
        "SKILLCERT_INSTANCE_PATH": str(tmp_path),
        "PATH": "",
    }
    result = subprocess.run(
        [sys.executable, "-m", "lti_tool.entry", "platform", "list"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "SkillCert cannot start: SKILLCERT_BASE_URL must use https (LMSs launch tools only over "
        "TLS); plain http is allowed only for localhost."
    ]


def test_platform_urls_must_be_https_in_production(tmp_path):
    production = load_settings(
        environ={"SKILLCERT_BASE_URL": "https://tool.example.edu"}, default_instance_path=tmp_path
    )
    assert check_platform_url("https://lms.example.edu/jwks", production)
    for url in ("http://lms.example.edu/jwks", "http://127.0.0.1:8000/jwks", "file:///etc/passwd"):
        with pytest.raises(ValueError, match=r"must use https|not an absolute URL"):
            check_platform_url(url, production)
