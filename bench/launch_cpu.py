"""CPU per launch in-process: login, launch and landing page through ``app.wsgi_app``.

No HTTP server and no other process: each request goes through Flask's test client, and
its CPU time (``time.process_time``: this process's user + system time, which a busy
machine inflates much less than wall time) is summed per step. The platform signs its
id_token outside the timed part. This is the number each cut on the launch path is
measured by (docs/performance.md, "Where the CPU goes"); ``bench/launch.py`` measures the
same cycle under gunicorn.

Run:  .venv/bin/python bench/launch_cpu.py [--launches 300] [--database postgresql://…]
      [--profile [STEP]]   (cProfile of the timed requests, or of one step's: login,
      launch or landing)
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import pstats
import statistics
import time
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from harness import (
    CLIENT_ID,
    DEPLOYMENT_ID,
    Platform,
    ToolServer,
    add_database_option,
    in_process_app,
    scratch_database,
)

STEPS = ("login", "launch", "landing")


def run(database_url: str | None, launches: int, profile: str | None) -> dict[str, list[float]]:
    platform = Platform()
    platform.start()
    server = ToolServer(workers=1, database_url=database_url)
    server.prepare(platform)  # migrate and register the platform, as an operator would
    app = in_process_app(server.instance, server.database_url, base_url=server.base_url)
    gc.freeze()  # as lti_tool/wsgi.py does in a worker
    launch_url = server.base_url + "/lti/launch"
    timings: dict[str, list[float]] = {step: [] for step in STEPS}
    profiler = cProfile.Profile() if profile else None

    def timed(step: str, call: Any, *args: Any, **kwargs: Any) -> Any:
        profiling = profiler is not None and profile in ("all", step)
        if profiling:
            profiler.enable()
        started = time.process_time()
        response = call(*args, **kwargs)
        timings[step].append(time.process_time() - started)
        if profiling:
            profiler.disable()
        return response

    try:
        for n in range(launches + 20):
            client = app.test_client()
            # A classroom's many addresses: the rate limit runs, as in production, but
            # one address does not hit it.
            client.environ_base["REMOTE_ADDR"] = f"10.0.{n // 250}.{n % 250}"
            sub = f"learner-{n}"
            query = {
                "iss": platform.issuer,
                "login_hint": sub,
                "target_link_uri": launch_url,
                "client_id": CLIENT_ID,
                "lti_deployment_id": DEPLOYMENT_ID,
            }
            login = timed("login", client.get, "/lti/login?" + urlencode(query))
            assert login.status_code == 302, login.status_code
            auth = {k: v[0] for k, v in parse_qs(urlsplit(login.location).query).items()}
            claims = platform.claims(sub=sub, name=sub, nonce=auth["nonce"], target=launch_url)
            form = {"id_token": platform.sign(claims), "state": auth["state"]}
            launch = timed("launch", client.post, "/lti/launch", data=form)
            assert launch.status_code in (200, 302), launch.get_data(as_text=True)[:500]
            if launch.status_code == 302:
                landing = timed("landing", client.get, urlsplit(launch.location).path)
                assert landing.status_code == 200, landing.status_code
            if n == 0:  # a cold process: what the first learner after a restart waits for
                print(
                    "first cycle (cold): "
                    + ", ".join(f"{step} {1000 * timings[step][0]:.0f} ms" for step in STEPS)
                )
            if n == 19:  # warm-up done: caches filled, statements compiled
                for values in timings.values():
                    values.clear()
                if profiler is not None:
                    profiler = cProfile.Profile()
    finally:
        platform.stop()
    if profiler is not None:
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(40)
        pstats.Stats(profiler).sort_stats("tottime").print_stats(25)
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--launches", type=int, default=300)
    parser.add_argument("--profile", nargs="?", const="all", choices=("all", *STEPS))
    add_database_option(parser)
    args = parser.parse_args()
    with scratch_database(args.database) as url:
        timings = run(url, args.launches, args.profile)
    total = 0.0
    for step in STEPS:
        values = timings[step]
        if not values:
            continue
        mean_ms = 1000 * statistics.fmean(values)
        total += mean_ms
        median_ms = 1000 * statistics.median(values)
        print(f"{step:8} mean {mean_ms:6.2f} ms   median {median_ms:6.2f} ms   n={len(values)}")
    print(f"{'cycle':8} mean {total:6.2f} ms CPU ({'PostgreSQL' if args.database else 'SQLite'})")


if __name__ == "__main__":
    main()
