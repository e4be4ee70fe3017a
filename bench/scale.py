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
its Redis round trips as in production. Each student has an address of their own: the
driver sends it in X-Forwarded-For as a proxy in front would, HAProxy appends the driver's,
and the hosts trust those two proxies (with one, every student would be HAProxy's peer,
127.0.0.1, and share its limits: at most 1,000 logins waiting for their launch).

With ``--burst N --within S`` (default 3000 in 10 s) it is an open loop instead, against
the 2-host layout only (``--hosts 1`` for one): launch i is released at t0 + i*S/N whether
or not the earlier ones have finished, each student new to the tool, on a TCP connection
and with an X-Forwarded-For address of their own. Launches unfinished S + 120 s after t0
count as errors ("not finished"). It prints the errors by kind; p50/p95/p99/max of the
whole cycle measured from each launch's *scheduled* start (time queued in this driver
counts); the queueing: how late the driver began launches against the schedule, the peak
number in flight, the time from the last release to the last completion and the achieved
completion rate; CPU per launch by whom, as above, and the cores each part would need at
the scheduled rate (the figure to extrapolate from: this box cannot also host the driver,
HAProxy and PostgreSQL and keep up). The numbers go to bench/results/scale-burst-<time>.json.

Run:  .venv/bin/python bench/scale.py [--database postgresql://postgres@127.0.0.1:5432/test]
      [--redis redis://127.0.0.1:6379/15] [--launches 400] [--concurrency 16] [--repeat 3]
      .venv/bin/python bench/scale.py --burst [3000] [--within 10] [--hosts 2]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import datetime as dt
import itertools
import json
import os
import statistics
import sys
import time
from collections import Counter
from collections.abc import Coroutine, Iterator
from typing import Any, TypeVar

from harness import (
    CLOCK_TICKS,
    ConnectionCounter,
    Platform,
    Target,
    machine_busy_seconds,
    postgres_seconds,
    proc_stats,
    scratch_database,
    user_system,
)
from launch import (
    BENCH_DIR,
    Level,
    Release,
    git_state,
    machine_info,
    numbered_student,
    percentile_ms,
    results_stem,
    run_open_loop,
    run_steady,
    warm_up,
)

from tests.scaleout import Cluster, missing_component

CPUS = os.cpu_count() or 1
DEFAULT_DATABASE = "postgresql://postgres@127.0.0.1:5432/test"
DEFAULT_REDIS = "redis://127.0.0.1:6379/15"
HOST_SETTINGS = {
    # Limits no run reaches: counted in Redis (the cost stays in), never refused.
    "SKILLCERT_RATE_LIMIT_BURST": "100000000",
    "SKILLCERT_RATE_LIMIT_PER_MINUTE": "100000000",
    # The student's address (the driver's X-Forwarded-For), then HAProxy's peer, the driver.
    "SKILLCERT_TRUSTED_PROXY_COUNT": "2",
}
#: How long after the last launch is due the burst waits for stragglers.
BURST_GRACE_SECONDS = 120.0
NOT_FINISHED = "not finished"

T = TypeVar("T")


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
    return postgres_seconds(list(proc_stats()))


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


def measured(cluster: Cluster, load: Coroutine[Any, Any, T]) -> tuple[T, float, dict[str, float]]:
    """What ``load`` returned, its wall seconds, and the CPU seconds used meanwhile, by whom."""
    before = snapshot(cluster)
    started = time.perf_counter()
    result = asyncio.run(load)
    seconds = time.perf_counter() - started
    after = snapshot(cluster)
    return result, seconds, {name: after[name] - before[name] for name in before}


def one_run(cluster: Cluster, target: Target, level: Level) -> Sample:
    load = run_steady(level, target, time.monotonic() + 600, ConnectionCounter())
    outcomes, seconds, used = measured(cluster, load)
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
            settings=HOST_SETTINGS,
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
    return {
        "launches/s": statistics.median(s.launches / s.seconds for s in samples),
        "errors": sum(s.errors for s in samples),
        **cpu_medians(samples),
    }


def cpu_medians(samples: list[Sample]) -> dict[str, float]:
    """Medians over the runs of CPU milliseconds per launch, by whom, and the machine's
    busy share."""

    def per_launch_ms(name: str) -> float:
        return statistics.median(1000 * getattr(s, name) / s.launches for s in samples)

    return {
        "tool ms": per_launch_ms("tool"),
        "haproxy ms": per_launch_ms("balancer"),
        "postgres ms": per_launch_ms("database"),
        "driver ms": per_launch_ms("driver"),
        "machine busy %": statistics.median(100 * s.machine / s.seconds / CPUS for s in samples),
    }


# -- burst: an open-loop release ---------------------------------------------------------


def error_of(release: Release) -> str | None:
    return NOT_FINISHED if release.outcome is None else release.outcome.error


def peak_in_flight(releases: list[Release]) -> int:
    """The most launches begun and not yet ended at one instant (unfinished ones never end)."""
    events = sorted(
        [(r.started, 1) for r in releases if r.started is not None]
        + [(r.finished, -1) for r in releases if r.finished is not None]
    )
    return max(itertools.accumulate(change for _, change in events), default=0)


def burst_summary(releases: list[Release], within: float, sample: Sample) -> dict[str, Any]:
    """Errors, the cycle from each launch's scheduled start, the queueing, CPU per launch."""
    errors = Counter(error for r in releases if (error := error_of(r)) is not None)
    samples: dict[str, str] = {}
    for r in releases:
        if r.outcome is not None and r.outcome.error is not None:
            samples.setdefault(r.outcome.error, r.outcome.detail[:200])
    done = [r for r in releases if error_of(r) is None]
    cycles = sorted(r.finished - r.due for r in done if r.finished is not None)
    lateness = sorted(r.started - r.due for r in releases if r.started is not None)
    last_release = max((r.started for r in releases if r.started is not None), default=None)
    ends = [r.finished for r in releases if r.finished is not None]
    last_completion = max(ends, default=None)
    first_due = min(r.due for r in releases)
    scheduled_rate = len(releases) / within
    cpu = cpu_medians([sample])
    return {
        "launches": len(releases),
        "within_seconds": within,
        "scheduled_launches_per_second": round(scheduled_rate, 1),
        "succeeded": len(done),
        "errors": sum(errors.values()),
        "errors_by_kind": dict(errors),
        "error_samples": samples,
        "cycle_from_schedule_ms": {f"p{p}": percentile_ms(cycles, p) for p in (50, 95, 99)}
        | {"max": percentile_ms(cycles, 100)},
        "driver_lateness_ms": {f"p{p}": percentile_ms(lateness, p) for p in (50, 95)}
        | {"max": percentile_ms(lateness, 100)},
        "peak_in_flight": peak_in_flight(releases),
        "last_release_to_last_completion_s": None
        if last_release is None or last_completion is None
        else round(last_completion - last_release, 2),
        "completion_rate_per_second": None
        if last_completion is None
        else round(len(done) / (last_completion - first_due), 1),
        "wall_seconds": round(sample.seconds, 2),
        "cpu": {name: round(value, 2) for name, value in cpu.items()},
        # CPU per launch at the scheduled rate: the cores each part needs to keep up.
        "cores_at_scheduled_rate": {
            name.removesuffix(" ms"): round(scheduled_rate * value / 1000, 2)
            for name, value in cpu.items()
            if name.endswith(" ms")
        },
    }


def cluster_log(cluster: Cluster) -> str:
    """The hosts' logs and HAProxy's (it reports servers it takes out), one after another."""
    logs = {host.name: host.log_path for host in cluster.hosts}
    logs["haproxy"] = cluster.balancer.log_path
    return "".join(
        f"--- {name} ---\n{path.read_text(errors='replace')}" for name, path in logs.items()
    )


def measure_burst(args: argparse.Namespace, platform: Platform) -> tuple[dict[str, Any], str]:
    """The open-loop release against ``--hosts`` hosts: its summary, and the cluster's logs
    when launches failed (their folders go with the cluster)."""
    students = [numbered_student("burst", i) for i in range(args.burst)]
    with started_cluster(args, args.hosts, platform) as (cluster, target):
        deadline = time.monotonic() + args.within + BURST_GRACE_SECONDS
        load = run_open_loop(target, students, args.within, deadline, ConnectionCounter())
        releases, seconds, used = measured(cluster, load)
        failed = sum(1 for r in releases if error_of(r) is not None)
        logs = cluster_log(cluster) if failed else ""
    sample = Sample(launches=len(releases), errors=failed, seconds=seconds, **used)
    return burst_summary(releases, args.within, sample), logs


def print_burst(args: argparse.Namespace, s: dict[str, Any]) -> None:
    def ms(values: dict[str, float | None]) -> str:
        return ", ".join(f"{k} {'-' if v is None else f'{v:.0f}'}" for k, v in values.items())

    print(
        f"\n{s['launches']} launches released within {args.within:g} s "
        f"({s['scheduled_launches_per_second']}/s) against {args.hosts} host"
        f"{'s' if args.hosts > 1 else ''}, {args.web_workers} gunicorn workers each; "
        f"{CPUS} CPUs; wall {s['wall_seconds']} s"
    )
    print(f"succeeded {s['succeeded']}, errors {s['errors']}")
    for kind, count in s["errors_by_kind"].items():
        print(f"  x{count} {kind}: {s['error_samples'].get(kind, '')}")
    if s["errors"]:
        print("  Failed launches cost less CPU: with errors the CPU per launch is too low.")
    print(f"cycle from its scheduled start, ms: {ms(s['cycle_from_schedule_ms'])}")
    print(f"driver began launches late by, ms: {ms(s['driver_lateness_ms'])}")
    print(
        f"peak in flight {s['peak_in_flight']}; last release to last completion "
        f"{s['last_release_to_last_completion_s']} s; completed "
        f"{s['completion_rate_per_second']} launches/s"
    )
    print(
        "CPU per launch, by whom: "
        + ", ".join(f"{name} {value:.2f}" for name, value in s["cpu"].items())
    )
    print(
        f"cores needed at {s['scheduled_launches_per_second']}/s (CPU per launch x rate; "
        f"this box has {CPUS}): "
        + ", ".join(f"{name} {value:.2f}" for name, value in s["cores_at_scheduled_rate"].items())
    )


def burst_mode(args: argparse.Namespace, platform: Platform) -> int:
    """The open-loop release, printed and written to bench/results."""
    load_before = os.getloadavg()[0]
    git_before = git_state()
    summary, logs = measure_burst(args, platform)
    print_burst(args, summary)
    git_after = git_state()
    if git_after != git_before:
        print("  The tool's source changed during the run: the numbers mix two versions.")
    stem = results_stem("scale-burst")
    data = {
        "benchmark": "bench/scale.py --burst",
        "finished_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "git": {"before": git_before, "after": git_after},
        "machine": machine_info(),
        "load_average": {"before": load_before, "after": os.getloadavg()[0]},
        "layout": {
            "hosts": args.hosts,
            "web_workers_per_host": args.web_workers,
            "balancer": "HAProxy round-robin (tests/scaleout.py)",
            "database": "PostgreSQL, scratch schema",
        },
        "burst": summary,
    }
    stem.with_suffix(".json").write_text(json.dumps(data, indent=2) + "\n")
    print(f"Results written to {stem.relative_to(BENCH_DIR.parent)}.json")
    if logs:
        log = stem.with_suffix(".server.log")
        log.write_text(logs)
        print(f"The hosts' and HAProxy's logs: {log.name}")
    return 0 if summary["errors"] == 0 else 1


# -- main -------------------------------------------------------------------------------


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database", default=DEFAULT_DATABASE, help="loopback postgresql://")
    parser.add_argument("--redis", default=DEFAULT_REDIS)
    parser.add_argument("--launches", type=int, default=400, help="launches per run")
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--repeat", type=int, default=3, help="runs per arm (medians)")
    parser.add_argument("--web-workers", type=int, default=2, help="gunicorn workers per host")
    parser.add_argument(
        "--burst",
        type=int,
        nargs="?",
        const=3000,
        metavar="N",
        help="open loop instead: release N launches (default 3000) within --within seconds",
    )
    parser.add_argument("--within", type=float, default=10.0, help="seconds (with --burst)")
    parser.add_argument(
        "--hosts", type=int, choices=(1, 2), default=2, help="hosts behind HAProxy (with --burst)"
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    why = missing_component(args.database, args.redis)
    if why:
        print(f"Cannot run: {why}.", file=sys.stderr)
        return 2
    platform = Platform()
    platform.start()
    try:
        return burst_mode(args, platform) if args.burst else compare(args, platform)
    finally:
        platform.stop()


def compare(args: argparse.Namespace, platform: Platform) -> int:
    """The closed-loop runs against 1 host and 2 hosts, and their medians side by side."""
    load_before = os.getloadavg()[0]
    results = {hosts: medians(runs) for hosts, runs in measure(args, platform).items()}
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
