"""Operator commands: ``python -m assessments.labs status|setup|overhead``.

They live here (not in ``skillcert``'s CLI) because ``assessments`` must work without the
web tool; the web CLI may wrap them.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from assessments.labs.environment import ensure_sandbox_user, setup_lab_environment
from assessments.labs.overhead import measure_sandbox_overhead
from assessments.labs.sandbox import SANDBOX_USER, SandboxConfig, sandbox_status


def main(argv: list[str] | None = None, prog: str = "python -m assessments.labs") -> int:
    parser = argparse.ArgumentParser(prog=prog)
    commands = parser.add_subparsers(dest="command", required=True)
    status = commands.add_parser("status", help="can labs be graded here? (exit 1 if not)")
    status.add_argument("--no-lab-env", action="store_true", help="check the system Python only")
    setup = commands.add_parser("setup", help="create the sandbox user and the lab venv")
    setup.add_argument("--lab-env", type=Path, default=SandboxConfig.from_environment().lab_env)
    setup.add_argument("--user", default=SANDBOX_USER)
    setup.add_argument("--user-only", action="store_true", help="skip the lab venv")
    overhead = commands.add_parser("overhead", help="measure sandbox start-up overhead")
    overhead.add_argument("--runs", type=int, default=20)
    args = parser.parse_args(argv)

    if args.command == "status":
        ok, reason = sandbox_status(check_lab_env=not args.no_lab_env)
        print(reason)
        return 0 if ok else 1
    if args.command == "setup":
        print(f"sandbox user {args.user}: uid {ensure_sandbox_user(args.user)}")
        if not args.user_only:
            print(f"lab environment: {setup_lab_environment(args.lab_env)}")
        return 0
    print(json.dumps(measure_sandbox_overhead(args.runs), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
