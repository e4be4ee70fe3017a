"""Measure what the sandbox costs per run, for bench/engine.py and docs/performance.md.

The same trivial script runs with the same interpreter unsandboxed and sandboxed, interleaved
so that machine noise hits both alike; the difference of medians is the start-up overhead
(privilege drop, rlimits, namespaces, mounts, copying files into the tmpfs).
"""

from __future__ import annotations

import statistics
import subprocess
import time
from typing import Any

from assessments.labs import sandbox
from assessments.labs.limits import Limits

TARGET_MS = 150.0
_SCRIPT = "import sys; print(sys.argv[-1])"


def measure_sandbox_overhead(
    runs: int = 20, config: sandbox.SandboxConfig | None = None
) -> dict[str, Any]:
    """Median and p95 of plain vs sandboxed wall time, in milliseconds."""
    config = config or sandbox.SandboxConfig.from_environment()
    python = str(sandbox.SYSTEM_PYTHON)
    plain: list[float] = []
    boxed: list[float] = []
    files = {f"{sandbox.WORK_DIR}/solution.py": b"def f(x):\n    return x\n"}
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run([python, "-I", "-c", _SCRIPT, "ok"], check=True, capture_output=True)  # noqa: S603
        plain.append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        result = sandbox.run(
            ["python", "-I", "-c", _SCRIPT, "ok"], config=config, limits=Limits(), files=files
        )
        boxed.append((time.perf_counter() - started) * 1000)
        if not result.ok:
            raise sandbox.SandboxUnavailable(result.stderr.decode("utf-8", "replace"))
    overhead = [b - p for b, p in zip(boxed, plain, strict=True)]
    median = statistics.median(overhead)
    return {
        "runs": runs,
        "plain_ms_median": round(statistics.median(plain), 2),
        "sandbox_ms_median": round(statistics.median(boxed), 2),
        "overhead_ms_median": round(median, 2),
        "overhead_ms_p95": round(sorted(overhead)[max(0, round(0.95 * runs) - 1)], 2),
        "target_ms": TARGET_MS,
        "within_target": median < TARGET_MS,
    }
