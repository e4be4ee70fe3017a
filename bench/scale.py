"""Scale-out: launches through HAProxy to 1 host against 2 hosts, on PostgreSQL and Redis.

The layout of tests/scaleout.py (docs/deployment.md): ``skillcert serve`` hosts sharing
one PostgreSQL schema, Redis and the secret and key-encryption keys, HAProxy round-robin
in front. Two arms, 1 host and 2 hosts (each with ``--web-workers`` gunicorn workers),
both started before the first run: the load driver of ``bench/launch.py`` runs
``--launches`` login + launch + landing cycles at concurrency ``--concurrency`` against
each, ``--repeat`` times, the arms' runs interleaved. It prints the medians: launches per
second, and CPU per launch of the tool (all hosts), HAProxy, PostgreSQL and this driver,
with the whole machine's busy time.

All of it runs on this machine: with 2 cores, the driver, HAProxy, PostgreSQL and the
hosts share them, so a second host can only add throughput while the first leaves a core
partly idle. CPU per launch is the number that carries over to real machines
(docs/deployment.md sizes production from it); the throughput ratio is only honest about
this box. Rate limits stay on (in Redis, with limits no run reaches), so each launch pays
its Redis round trips as in production.

Run:  .venv/bin/python bench/scale.py [--database postgresql://postgres@127.0.0.1:5432/test]
      [--redis redis://127.0.0.1:6379/15] [--launches 400] [--concurrency 16] [--repeat 3]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import os
import statistics
import sys
import time
from collections.abc import Iterator

from harness import (
    CLOCK_TICKS,
    ConnectionCounter,
    Platform,
    Target,
    machine_busy_seconds,
    proc_stats,
    scratch_database,
    user_system,
)
from launch import Level, run_steady, warm_up

from tests.scaleout import Cluster, missing_component

CPUS = os.cpu_count() or 1
DEFAULT_DATABASE = "postgresql://postgres@127.0.0.1:5432/test"
DEFAULT_REDIS = "redis://127.0.0.1:6379/15"
#: Limits no run reaches: counted in Redis (the cost stays in), never refused.
UNREACHED_LIMITS = {
    "SKILLCERT_RATE_LIMIT_BURST": "100000000",
    "SKILLCERT_RATE_LIMIT_PER_MINUTE": "100000000",
}


@dataclasses.dataclass(frozen=True)
class Sample:
    launches: int
    errors: int
    seconds: float
    #: CPU seconds during the run, by whom.
    tool: float
    balancer: float
    database: float
    driver: float
    machine: float


def group_cpu(leader: int) -> float:
    """CPU seconds of a process and its children (gunicorn's reaped workers included)."""
    ticks = 0
    for pid, _name, fields in proc_stats():
        if pid == leader or int(fields[1]) == leader:
            ticks += sum(user_system(fields, reaped=pid == leader))
    return ticks / CLOCK_TICKS


def postgres_cpu() -> float:
    return sum(sum(user_system(f)) for _, name, f in proc_stats() if name == "postgres") / (
        CLOCK_TICKS
    )


def driver_cpu() -> float:
    times = os.times()
    return times.user + times.system


def snapshot(cluster: Cluster) -> dict[str, float]:
    assert cluster.balancer.process is not None
    return {
        "tool": sum(group_cpu(host.process.pid) for host in cluster.hosts if host.process),
        "balancer": group_cpu(cluster.balancer.process.pid),
        "database": postgres_cpu(),
        "driver": driver_cpu(),
        "machine": machine_busy_seconds(),
    }


def one_run(cluster: Cluster, target: Target, level: Level) -> Sample:
    before = snapshot(cluster)
    started = time.perf_counter()
    outcomes = asyncio.run(run_steady(level, target, time.monotonic() + 600, ConnectionCounter()))
    seconds = time.perf_counter() - started
    after = snapshot(cluster)
    used = {name: after[name] - before[name] for name in before}
    return Sample(
        launches=len(outcomes),
        errors=sum(1 for outcome in outcomes if outcome.error),
        seconds=seconds,
        **used,
    )


@contextlib.contextmanager
def started_cluster(
    args: argparse.Namespace, hosts: int, platform: Platform
) -> Iterator[tuple[Cluster, Target]]:
    """``hosts`` hosts on a scratch schema of their own, warmed up; stopped at the end."""
    with scratch_database(args.database) as database_url:
        assert database_url is not None
        cluster = Cluster(
            database_url,
            args.redis,
            hosts=hosts,
            web_workers=args.web_workers,
            job_workers=0,
            settings=UNREACHED_LIMITS,
        )
        try:
            cluster.hosts[0].prepare(platform)
            cluster.start()
            target = Target(cluster.url, platform)
            asyncio.run(warm_up(target, args.web_workers * hosts))
            yield cluster, target
        finally:
            cluster.stop()


def measure(args: argparse.Namespace, platform: Platform) -> dict[int, list[Sample]]:
    """Both layouts up at once (the idle one costs only its health checks), their runs
    interleaved, so a machine that gets busier during the run weighs on both alike."""
    level = Level(args.concurrency, args.launches)
    samples: dict[int, list[Sample]] = {1: [], 2: []}
    with contextlib.ExitStack() as stack:
        layouts = {n: stack.enter_context(started_cluster(args, n, platform)) for n in samples}
        for _ in range(args.repeat):
            for hosts, (cluster, target) in layouts.items():
                samples[hosts].append(one_run(cluster, target, level))
    return samples


def medians(samples: list[Sample]) -> dict[str, float]:
    """Medians over the runs; ``… ms``: CPU milliseconds per launch."""

    def per_launch_ms(name: str) -> float:
        return statistics.median(1000 * getattr(s, name) / s.launches for s in samples)

    return {
        "launches/s": statistics.median(s.launches / s.seconds for s in samples),
        "errors": sum(s.errors for s in samples),
        "tool ms": per_launch_ms("tool"),
        "haproxy ms": per_launch_ms("balancer"),
        "postgres ms": per_launch_ms("database"),
        "driver ms": per_launch_ms("driver"),
        "machine busy %": statistics.median(100 * s.machine / s.seconds / CPUS for s in samples),
    }


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database", default=DEFAULT_DATABASE, help="loopback postgresql://")
    parser.add_argument("--redis", default=DEFAULT_REDIS)
    parser.add_argument("--launches", type=int, default=400, help="launches per run")
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--repeat", type=int, default=3, help="runs per arm (medians)")
    parser.add_argument("--web-workers", type=int, default=2, help="gunicorn workers per host")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    why = missing_component(args.database, args.redis)
    if why:
        print(f"Cannot run: {why}.", file=sys.stderr)
        return 2
    load_before = os.getloadavg()[0]
    platform = Platform()
    platform.start()
    try:
        results = {hosts: medians(runs) for hosts, runs in measure(args, platform).items()}
    finally:
        platform.stop()
    print(
        f"\n{args.launches} launches at c={args.concurrency}, {args.web_workers} gunicorn "
        f"workers per host, medians of {args.repeat}; {os.cpu_count()} CPUs; load average "
        f"before: {load_before:.1f}, after: {os.getloadavg()[0]:.1f}"
    )
    names = list(results[1])
    print("(… ms: CPU milliseconds per launch, by whom)")
    print(f"{'':10}" + "".join(f"{n:>16}" for n in names))
    for hosts, row in results.items():
        print(
            f"{hosts} host{'s' if hosts > 1 else '':<4}"
            + "".join(f"{row[n]:>16.2f}" for n in names)
        )
    ratio = results[2]["launches/s"] / results[1]["launches/s"]
    print(f"2 hosts / 1 host throughput: {ratio:.2f}x (target 1.6x where the cores allow)")
    return 0 if results[1]["errors"] == results[2]["errors"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
