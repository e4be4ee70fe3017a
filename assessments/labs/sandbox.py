"""Run a command on learner code in a bubblewrap sandbox, as an unprivileged uid, with limits.

Why this chain (``setpriv`` → ``prlimit`` → ``bwrap``): the service may run as root, and
process limits do not bind root, so we first drop to a dedicated uid, then set rlimits that
the kernel enforces on everything the learner starts, and only then build the namespaces:
no network, a read-only view of /usr and the lab environment, a private size-limited tmpfs
work dir that receives *copies* of the files (nothing of the host's is writable or even
visible beyond that), a fresh /proc and a minimal /dev. Wall time and output size are
enforced from outside by :class:`~assessments.labs.process.SandboxProcess`.

Learner code never runs unsandboxed: when anything is missing, :class:`SandboxUnavailable`
says what and how to fix it.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import posixpath
import pwd
import shutil
import stat
import subprocess
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

from assessments.labs.limits import Limits
from assessments.labs.process import SandboxProcess, SandboxRun

SANDBOX_USER = "skillcert-sandbox"
SANDBOX_USER_ENV = "SKILLCERT_SANDBOX_USER"
LAB_ENV_ENV = "SKILLCERT_LAB_ENV"
DEFAULT_LAB_ENV = Path("/opt/skillcert/labenv")
SYSTEM_PYTHON = Path("/usr/bin/python3")
NOBODY_UID = 65534
WORK_DIR = "/work"
MAX_FILES = 512
_TOOLS = ("bwrap", "setpriv", "prlimit")
_HOST_PATH = "/usr/sbin:/usr/bin:/sbin:/bin"
_ROOT_LINKS = ("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")


class SandboxUnavailable(RuntimeError):
    """No safe sandbox can be built here; the message tells the operator why and what to do."""


@dataclasses.dataclass(frozen=True)
class SandboxConfig:
    """Who runs learner code and with which Python.

    ``lab_env`` is a virtual environment (numpy, pandas, scikit-learn, openai) bound read-only
    at the same path inside the sandbox; it must live where ``uid`` can read it, not under
    /root. Labs that need only the standard library run on Debian's ``/usr/bin/python3``.
    """

    uid: int
    gid: int
    lab_env: Path = DEFAULT_LAB_ENV

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> SandboxConfig:
        """Read SKILLCERT_SANDBOX_USER (name or uid) and SKILLCERT_LAB_ENV, with defaults.

        The default user is ``skillcert-sandbox`` when it exists (created by
        ``python -m assessments.labs setup``), otherwise ``nobody`` (65534).
        """
        env = os.environ if environ is None else environ
        uid, gid = _resolve_user(env.get(SANDBOX_USER_ENV, ""))
        return cls(uid=uid, gid=gid, lab_env=Path(env.get(LAB_ENV_ENV) or DEFAULT_LAB_ENV))

    @property
    def lab_python(self) -> Path:
        return self.lab_env / "bin" / "python"

    def python(self, use_lab_env: bool) -> Path:
        return self.lab_python if use_lab_env else SYSTEM_PYTHON


def _resolve_user(name: str) -> tuple[int, int]:
    if name.isdigit():
        with contextlib.suppress(KeyError):
            entry = pwd.getpwuid(int(name))
            return entry.pw_uid, entry.pw_gid
        return int(name), int(name)
    try:
        entry = pwd.getpwnam(name or SANDBOX_USER)
    except KeyError:
        if name:
            raise SandboxUnavailable(f"Sandbox user {name!r} does not exist.") from None
        return NOBODY_UID, NOBODY_UID
    return entry.pw_uid, entry.pw_gid


def check_prerequisites(config: SandboxConfig, python: Path) -> None:
    """Cheap checks before every run; raise :class:`SandboxUnavailable` with the reason."""
    missing = [tool for tool in _TOOLS if shutil.which(tool, path=_HOST_PATH) is None]
    if missing:
        raise SandboxUnavailable(
            f"Missing {', '.join(missing)}: install with "
            "`apt-get install -y bubblewrap util-linux`."
        )
    if config.uid == 0 or config.gid == 0:
        raise SandboxUnavailable("The sandbox uid/gid must not be root (0).")
    euid = os.geteuid()
    if euid not in (0, config.uid):
        raise SandboxUnavailable(
            f"The grader runs as uid {euid}: it must run as root to switch to the sandbox uid "
            f"{config.uid}, or set {SANDBOX_USER_ENV}={euid}."
        )
    problem = _unreadable_reason(python, config.uid, config.gid)
    if problem:
        raise SandboxUnavailable(f"The sandbox Python {python} cannot be used: {problem}.")


def _unreadable_reason(path: Path, uid: int, gid: int) -> str | None:
    """Why ``uid`` could not execute ``path`` (every directory searchable, file executable)."""
    if not path.exists():
        return "it does not exist (run `python -m assessments.labs setup`)"
    real = Path(os.path.realpath(path))
    for part in [*reversed(real.parents), real]:
        info = part.stat()
        need = 0o1 if part != real else 0o5
        if info.st_uid == uid:
            bits = (info.st_mode >> 6) & 0o7
        elif info.st_gid == gid:
            bits = (info.st_mode >> 3) & 0o7
        else:
            bits = info.st_mode & 0o7
        if bits & need != need:
            return f"uid {uid} may not {'search' if part != real else 'run'} {part}"
    return None


def start(
    argv: Sequence[str],
    *,
    config: SandboxConfig,
    limits: Limits,
    files: Mapping[str, bytes | Path] | None = None,
    binds: Mapping[str, Path] | None = None,
    env: Mapping[str, str] | None = None,
    use_lab_env: bool = False,
) -> SandboxProcess:
    """Start ``argv`` in a new sandbox and return it for stdio driving.

    ``files`` maps absolute sandbox paths to contents: under /work they are writable copies
    in the private tmpfs, elsewhere read-only. ``binds`` maps sandbox paths to host paths
    bound read-write (used only for the OpenAI stub's Unix socket). ``argv[0]`` may be
    ``"python"`` to mean the configured interpreter.
    """
    python = config.python(use_lab_env)
    check_prerequisites(config, python)
    argv = [str(python) if argv[0] == "python" else argv[0], *argv[1:]]
    with _file_descriptors(files or {}) as file_fds:
        status_read, status_write = os.pipe()
        command = [
            *_drop_privileges(config),
            *_rlimits(limits),
            *_bwrap(config, limits, file_fds, binds or {}, env or {}, use_lab_env, status_write),
            *argv,
        ]
        try:
            popen = subprocess.Popen(  # noqa: S603 - fixed tool chain, argv is data
                command,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                pass_fds=[status_write, *(fd for fd, _ in file_fds)],
                start_new_session=True,
                env={"PATH": _HOST_PATH},
            )
        except OSError as error:
            os.close(status_read)
            raise SandboxUnavailable(f"Could not start the sandbox: {error}.") from error
        finally:
            os.close(status_write)
    return SandboxProcess(popen, status_read, limits)


def run(
    argv: Sequence[str],
    *,
    config: SandboxConfig,
    limits: Limits,
    stdin: bytes = b"",
    files: Mapping[str, bytes | Path] | None = None,
    use_lab_env: bool = False,
) -> SandboxRun:
    """Run ``argv`` to completion in a sandbox; see :func:`start` for the arguments."""
    process = start(argv, config=config, limits=limits, files=files, use_lab_env=use_lab_env)
    process.send(stdin)
    return process.finish()


def sandbox_status(
    config: SandboxConfig | None = None, *, check_lab_env: bool = True
) -> tuple[bool, str]:
    """For the operator: can learner code be run here, and if not, why not.

    Runs a real probe in the sandbox (and imports the lab packages when ``check_lab_env``),
    so a True answer means a lab would actually be graded.
    """
    try:
        config = config or SandboxConfig.from_environment()
        probe = "import sys; print('ok')"
        if check_lab_env:
            probe = "import numpy, pandas, sklearn, openai; print('ok')"
        result = run(
            ["python", "-c", probe],
            config=config,
            limits=Limits(wall_seconds=60, cpu_seconds=60),
            use_lab_env=check_lab_env,
        )
    except SandboxUnavailable as error:
        return False, str(error)
    if not result.ok or result.stdout.strip() != b"ok":
        detail = result.stderr.decode("utf-8", "replace").strip()[-500:]
        return False, f"The sandbox probe failed: {result.describe()} {detail}".strip()
    where = f"lab environment {config.lab_env}" if check_lab_env else "system Python"
    return True, f"Sandbox ready: bubblewrap as uid {config.uid} with the {where}."


def _drop_privileges(config: SandboxConfig) -> list[str]:
    if os.geteuid() != 0:
        return []
    return [
        "setpriv",
        f"--reuid={config.uid}",
        f"--regid={config.gid}",
        "--clear-groups",
        "--no-new-privs",
    ]


def _rlimits(limits: Limits) -> list[str]:
    # CPU: soft < hard so the kernel sends SIGXCPU first and the grader can name the cause.
    return [
        "prlimit",
        f"--cpu={limits.cpu_seconds}:{limits.cpu_seconds + 1}",
        f"--as={limits.memory_bytes}",
        f"--nproc={limits.max_processes}",
        f"--fsize={limits.file_size_bytes}",
        f"--nofile={limits.open_files}",
        "--core=0",
        "--",
    ]


def _bwrap(
    config: SandboxConfig,
    limits: Limits,
    file_fds: Sequence[tuple[int, str]],
    binds: Mapping[str, Path],
    env: Mapping[str, str],
    use_lab_env: bool,
    status_fd: int,
) -> list[str]:
    args = [
        "bwrap",
        "--unshare-all",
        "--unshare-user",
        "--die-with-parent",
        "--new-session",
        "--disable-userns",
    ]
    args += ["--hostname", "sandbox", "--ro-bind", "/usr", "/usr"]
    for path in _ROOT_LINKS:
        if os.path.islink(path):
            args += ["--symlink", os.readlink(path), path]
        elif os.path.isdir(path):
            args += ["--ro-bind", path, path]
    if use_lab_env:
        args += ["--ro-bind", str(config.lab_env), str(config.lab_env)]
    args += ["--proc", "/proc", "--dev", "/dev"]
    # --dev leaves /dev/shm on /dev's own tmpfs, which has no size limit: learner code
    # could fill the host's memory there. A sized tmpfs over it takes its share of the
    # work-dir budget.
    args += ["--size", str(limits.shm_bytes), "--tmpfs", "/dev/shm"]  # noqa: S108
    args += ["--size", str(limits.work_tmpfs_bytes), "--tmpfs", WORK_DIR]
    # /tmp is the work dir's .tmp, so temporary files count against its size limit.
    args += ["--dir", f"{WORK_DIR}/.tmp", "--symlink", f"{WORK_DIR}/.tmp", "/tmp"]  # noqa: S108
    for fd, dest in file_fds:
        writable = dest.startswith(WORK_DIR + "/")
        args += ["--file" if writable else "--ro-bind-data", str(fd), dest]
    for dest, source in binds.items():
        args += ["--bind", str(source), _checked_dest(dest)]
    args += ["--remount-ro", "/", "--chdir", WORK_DIR, "--clearenv"]
    for key, value in _sandbox_env(config, use_lab_env, env).items():
        args += ["--setenv", key, value]
    args += ["--json-status-fd", str(status_fd), "--"]
    return args


def _sandbox_env(
    config: SandboxConfig, use_lab_env: bool, extra: Mapping[str, str]
) -> dict[str, str]:
    path = "/usr/bin:/bin"
    if use_lab_env:
        path = f"{config.lab_env}/bin:{path}"
    return {
        "PATH": path,
        "HOME": WORK_DIR,
        "TMPDIR": f"{WORK_DIR}/.tmp",
        "LANG": "C.UTF-8",
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONHASHSEED": "0",
        # One thread per numerical library: threads count against the process limit.
        "OPENBLAS_NUM_THREADS": "1",
        "OMP_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
        **extra,
    }


def _checked_dest(dest: str) -> str:
    normal = posixpath.normpath(dest)
    if not dest.startswith("/") or normal != dest or normal == "/":
        raise ValueError(f"Sandbox path {dest!r} must be absolute and normalised.")
    return dest


@contextlib.contextmanager
def _file_descriptors(files: Mapping[str, bytes | Path]) -> Iterator[list[tuple[int, str]]]:
    """Open every file to copy into the sandbox; bwrap reads them during set-up.

    Host paths are opened here, by the trusted process, so the sandbox uid never needs
    permission on lab content; bytes go through a memfd so nothing touches the disk.
    """
    if len(files) > MAX_FILES:
        raise ValueError(f"Too many files for one sandbox ({len(files)} > {MAX_FILES}).")
    opened: list[tuple[int, str]] = []
    try:
        for dest, content in sorted(files.items()):
            _checked_dest(dest)
            if isinstance(content, Path):
                fd = os.open(content, os.O_RDONLY | os.O_CLOEXEC)
                if not stat.S_ISREG(os.fstat(fd).st_mode):
                    os.close(fd)
                    raise ValueError(f"{content} is not a regular file.")
            else:
                fd = os.memfd_create("sandbox-file", os.MFD_CLOEXEC)
                with open(fd, "wb", closefd=False) as stream:
                    stream.write(content)
                os.lseek(fd, 0, os.SEEK_SET)
            opened.append((fd, dest))
        yield opened
    finally:
        for fd, _ in opened:
            os.close(fd)
