"""The launch bench's yardstick served: ``bench/baseline_tool`` (an ordinary pylti1p3 +
Flask tool) under gunicorn with the worker class, threads and keep-alive of SkillCert's
``config/gunicorn.conf.py`` and the same number of workers, registered with the bench's
simulated platform. Import ``harness`` first (it puts the checkout on ``sys.path``)."""

from __future__ import annotations

import json
import os
import runpy
import secrets
import sys
from pathlib import Path
from typing import Any

from baseline_tool import SESSION_COOKIE
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from harness import CLIENT_ID, DEPLOYMENT_ID, GunicornApp, Platform, Target

BENCH_DIR = Path(__file__).resolve().parent
GUNICORN_CONF = BENCH_DIR.parent / "config" / "gunicorn.conf.py"
#: What is taken from SkillCert's gunicorn settings, so both tools are served alike.
SHARED_SETTINGS = ("worker_class", "threads", "keepalive", "timeout", "preload_app")


def skillcert_gunicorn_settings() -> dict[str, Any]:
    """The serving settings ``skillcert serve`` uses (its config file's values)."""
    conf = runpy.run_path(str(GUNICORN_CONF))
    return {name: conf[name] for name in SHARED_SETTINGS if name in conf}


class BaselineServer(GunicornApp):
    """``gunicorn baseline_tool:create_app()`` on a fresh folder (config, keys, cache)."""

    def __init__(self, workers: int) -> None:
        super().__init__(workers, prefix="baseline-bench-")
        self.config_file = self.instance / "tool.json"
        self.settings = skillcert_gunicorn_settings()

    def target(self, platform: Platform) -> Target:
        return Target(
            self.base_url,
            platform,
            login_path="/login/",
            launch_path="/launch/",
            state_cookie_prefix="lti1p3-",
            session_cookie=SESSION_COOKIE,
        )

    def prepare(self, platform: Platform) -> None:
        """The tool's own key pair, its secret key, and the platform's registration."""
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        (self.instance / "private.key").write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
        (self.instance / "public.key").write_bytes(
            key.public_key().public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
        )
        (self.instance / "secret_key").write_text(secrets.token_hex(32))
        registration = {
            "default": True,
            "client_id": CLIENT_ID,
            "auth_login_url": platform.auth_url,
            "auth_token_url": platform.issuer + "/token",
            "key_set_url": platform.issuer + "/jwks.json",
            "key_set": None,
            "private_key_file": "private.key",
            "public_key_file": "public.key",
            "deployment_ids": [DEPLOYMENT_ID],
        }
        self.config_file.write_text(json.dumps({platform.issuer: [registration]}, indent=2))

    def start(self) -> None:
        s = self.settings
        argv = [
            str(Path(sys.executable).parent / "gunicorn"),
            "--chdir", str(BENCH_DIR),
            "--worker-class", s["worker_class"],
            "--threads", str(s["threads"]),
            "--keep-alive", str(s["keepalive"]),
            "--timeout", str(s["timeout"]),
            "--workers", str(self.workers),
            "--bind", f"127.0.0.1:{self.port}",
        ]  # fmt: skip
        if s.get("preload_app"):
            argv.append("--preload")
        env = os.environ | {"BASELINE_TOOL_CONFIG": str(self.config_file)}
        self.spawn([*argv, "baseline_tool:create_app()"], env)
