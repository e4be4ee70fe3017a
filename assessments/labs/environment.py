"""Set up what the sandbox needs on a machine: its uid and the lab's Python environment.

Why a separate venv built from Debian's ``/usr/bin/python3``: the sandbox uid must be able to
read and run the interpreter and packages, and a pyenv Python under /root is not readable
by other uids. The venv's interpreter is a symlink into /usr, which the sandbox binds.
"""

from __future__ import annotations

import os
import pwd
import subprocess
from pathlib import Path

from assessments.labs.sandbox import SANDBOX_USER, SYSTEM_PYTHON

LAB_PACKAGES = ("numpy", "pandas", "scikit-learn", "openai")


def ensure_sandbox_user(name: str = SANDBOX_USER) -> int:
    """Create the dedicated system user (no home, no shell) if missing; return its uid.

    A dedicated uid (rather than ``nobody``) keeps the process limit, which the kernel
    counts per uid, from being shared with anything else on the machine.
    """
    try:
        return pwd.getpwnam(name).pw_uid
    except KeyError:
        pass
    subprocess.run(  # noqa: S603 - fixed arguments
        [
            "/usr/sbin/useradd",
            "--system",
            "--user-group",
            "--no-create-home",
            "--home-dir",
            "/nonexistent",
            "--shell",
            "/usr/sbin/nologin",
            name,
        ],
        check=True,
    )
    return pwd.getpwnam(name).pw_uid


def setup_lab_environment(
    path: Path, packages: tuple[str, ...] = LAB_PACKAGES, python: Path = SYSTEM_PYTHON
) -> Path:
    """Create (or complete) the lab venv at ``path`` and make it world-readable.

    Idempotent: an existing venv gets missing packages installed. Returns the venv's
    Python. Needs ``python3-venv`` (Debian) and access to the package index.
    """
    if not python.exists():
        raise FileNotFoundError(f"{python} is missing: apt-get install -y python3 python3-venv")
    lab_python = path / "bin" / "python"
    if not lab_python.exists():
        subprocess.run([str(python), "-m", "venv", str(path)], check=True)  # noqa: S603
    subprocess.run(  # noqa: S603 - fixed arguments
        [
            str(lab_python),
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            *packages,
        ],
        check=True,
    )
    _make_readable(path)
    return lab_python


def _make_readable(path: Path) -> None:
    """Let every uid read and run the venv (a strict umask may have hidden it)."""
    for parent in path.parents:
        if not os.stat(parent).st_mode & 0o001:
            raise PermissionError(
                f"{parent} is not searchable by other users; put the lab environment "
                "elsewhere (e.g. /opt/skillcert/labenv), never under /root."
            )
    for root, dirs, files in os.walk(path):
        for name in dirs:
            os.chmod(os.path.join(root, name), 0o755)  # noqa: S103 - read-only for others
        for name in files:
            full = os.path.join(root, name)
            if not os.path.islink(full):
                mode = os.stat(full).st_mode
                os.chmod(full, mode | 0o444 | (0o111 if mode & 0o100 else 0))
    os.chmod(path, 0o755)  # noqa: S103 - the sandbox uid must read it
