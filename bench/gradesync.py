"""Grade sync benchmark (issue 7): `.venv/bin/python bench/gradesync.py --database postgresql://…`.

10,000 scores queued for 1,000 learners, delivered by 2 ``skillcert worker`` processes to
an LMS that takes 50 ms to answer each request; target: all delivered in < 60 s, none lost
or duplicated.

* The LMS is ``tests/simulated_lms.py`` (real AGS over loopback HTTP: OAuth2 client
  credentials at /token, scores POSTed as ``application/vnd.ims.lis.v1.score+json``),
  with every AGS request held for ``--latency`` before it is answered. Each score it
  accepts is kept; the run counts them per (line item, user): exactly one each, or the
  run fails.
* The tool's side is seeded directly (no launches): ``--platforms`` LMS registrations,
  each with a course of ``learners / platforms`` learners and ``scores / learners`` graded
  links whose line items exist in the LMS (as after a first delivery). Scores are queued
  with ``gradesync.outbox.enqueue_score``, the function ``queue_scores`` queues each link's
  score with, in one transaction (the attempts behind them are not made).
* The workers are ``skillcert worker`` processes with the settings' ``worker_concurrency``
  and ``gradesync_per_platform`` (PostgreSQL; SQLite runs one worker).

The bound: one delivery is one score POST (the line item is known; the access token is
fetched once per worker and registration, then cached), so at most ``min(workers x
worker_concurrency, gradesync_per_platform x platforms)`` deliveries are in flight and each
takes at least the latency: bound = that ÷ latency deliveries/s. The baseline, measured in
the same run: a thread pool of that many threads POSTing the same kind of score straight
to the same LMS (what the LMS and this machine can serve, with no queue at all).
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from harness import (
    CLOCK_TICKS,
    add_database_option,
    in_process_app,
    machine_busy_seconds,
    met,
    postgres_seconds,
    print_results,
    proc_stats,
    scratch_database,
    skillcert_executable,
    user_system,
)
from sqlalchemy import func, select

from assessments.catalog import list_tracks
from lti_tool.db import transaction
from lti_tool.gradesync.outbox import LearnerInCourse, enqueue_score
from lti_tool.gradesync.scores import PlacementScore
from lti_tool.lti.constants import ActivityProgress, GradingProgress
from lti_tool.lti.keys import jwks
from lti_tool.models import (
    Context,
    Deployment,
    Job,
    JobEvent,
    JobStatus,
    Registration,
    ResourceLink,
    User,
    utcnow,
)
from lti_tool.services.ags import Score
from lti_tool.services.clients import ags_client, app_options
from tests.simulated_lms import AGS_SCOPES, Course, Fault, SimulatedLMS


class SlowLMS(SimulatedLMS):
    """The simulated LMS, holding every AGS request ``latency`` seconds before answering."""

    def __init__(self, latency: float) -> None:
        super().__init__()
        self.latency = latency

    def _take_fault(self) -> Fault | None:
        fault = super()._take_fault()
        return fault or (Fault(hang_seconds=self.latency) if self.latency else None)

    def _handler(self):
        # HTTP/1.1 keeps connections open between requests, as LMSs behind a web server do
        # (the tests' LMS speaks HTTP/1.0: a new TCP connection for every score).
        class KeepAlive(super()._handler()):
            protocol_version = "HTTP/1.1"

        return KeepAlive


def graded_targets(count: int) -> list[str]:
    """``count`` activity placements of the shipped tracks (real titles and resource ids)."""
    targets = [
        f"activity:{track.id}/{activity.id}"
        for track in list_tracks()
        for module in track.modules
        for activity in module.activities
        if activity.kind.is_assessed
    ]
    if len(targets) < count:
        sys.exit(f"The shipped tracks have {len(targets)} assessed activities, not {count}.")
    return targets[:count]


def seed(app, lms: SlowLMS, platforms: int, learners: int, links: int) -> list[Course]:
    """Registrations, courses, learners and links on the tool's side; line items in the LMS."""
    now = utcnow()
    targets = graded_targets(links)
    with transaction(app) as session:
        tool_jwks = jwks(session)
        courses = []
        for p in range(platforms):
            client_id = f"bench-{p}"
            lms.register_tool(client_id, tool_jwks)
            course = lms.add_course(client_id)
            courses.append(course)
            registration = Registration(
                name=f"Bench LMS {p}",
                issuer=f"{lms.url}/lms-{p}",
                client_id=client_id,
                auth_login_url=lms.auth_login_url,
                auth_token_url=lms.token_url,
                key_set_url=lms.key_set_url,
            )
            session.add(registration)
            session.flush()
            deployment = Deployment(registration_id=registration.id, deployment_id="d")
            session.add(deployment)
            session.flush()
            context = Context(
                deployment_id=deployment.id,
                context_id=course.id,
                title=f"Course {p}",
                ags_lineitems_url=course.lineitems_url,
                ags_scopes=list(AGS_SCOPES),
            )
            session.add(context)
            session.flush()
            placed = []
            for n, target in enumerate(targets):
                link = ResourceLink(
                    context_id=context.id,
                    resource_link_id=f"link-{n}",
                    title=target,
                    target=target,
                    ags_lineitem_url=course.add_line_item(target, resourceLinkId=f"link-{n}"),
                )
                session.add(link)
                placed.append((link, target.split(":", 1)[1].split("/")))
            conn = session.connection()
            conn.execute(
                User.__table__.insert(),
                [
                    {
                        "registration_id": registration.id,
                        "sub": f"learner-{p}-{n}",
                        "name": f"Learner {p}-{n}",
                        "updated_at": now,
                    }
                    for n in range(learners // platforms)
                ],
            )
            session.flush()
            user_ids = session.scalars(
                select(User.id).where(User.registration_id == registration.id)
            ).all()
            for user_id in user_ids:
                learner = LearnerInCourse(registration.id, deployment.id, context.id, user_id)
                for link, (track_id, activity_id) in placed:
                    score = PlacementScore(
                        round(100 * (user_id % 97) / 97, 4),
                        ActivityProgress.COMPLETED,
                        GradingProgress.FULLY_GRADED,
                    )
                    enqueue_score(
                        conn,
                        learner,
                        link.id,
                        track_id,
                        activity_id,
                        score,
                        submitted_at=now,
                        new_submission=True,
                    )
    return courses


def job_counts(app) -> Counter[str]:
    with transaction(app) as session:
        rows = session.execute(select(Job.status, func.count()).group_by(Job.status)).all()
    return Counter({str(status): n for status, n in rows})


def baseline(app, course: Course, concurrency: int, count: int) -> float:
    """Score POSTs/s with the tool's own AGS client straight to the LMS from ``concurrency``
    threads: what the LMS and this machine serve with no queue, database or worker."""
    with transaction(app) as session:
        context = session.scalars(select(Context).where(Context.context_id == course.id)).one()
        deployment = session.get(Deployment, context.deployment_id)
        client = ags_client(
            session,
            deployment,
            context,
            **app_options(app),
        )
    lineitem = next(iter(course.line_items.values()))["id"]

    def post(n: int) -> None:
        score = Score(
            f"baseline-{n}",
            ActivityProgress.COMPLETED,
            GradingProgress.FULLY_GRADED,
            utcnow(),
            score_given=50.0,
            score_maximum=100.0,
        )
        client.post_score(lineitem, score)

    post(-1)  # the access token, fetched once as each worker does
    start = time.monotonic()
    with ThreadPoolExecutor(concurrency) as pool:
        list(pool.map(post, range(count)))
    return count / (time.monotonic() - start)


def cpu_seconds(workers: list[subprocess.Popen]) -> dict[str, float]:
    """CPU seconds used so far: by the workers, PostgreSQL, this process (the LMS and the
    progress polling) and the whole machine."""
    pids = {p.pid for p in workers}
    used = {"workers": 0.0, "database": 0.0}
    stats = list(proc_stats())
    for pid, _, fields in stats:
        if pid in pids:
            used["workers"] += sum(user_system(fields)) / CLOCK_TICKS
    used["database"] = postgres_seconds(stats)
    usage = resource.getrusage(resource.RUSAGE_SELF)
    used["driver"] = usage.ru_utime + usage.ru_stime
    used["machine"] = machine_busy_seconds()
    return used


def run_workers(
    env: dict[str, str], app, workers: int, total: int, cap: float
) -> tuple[float, dict[str, float]]:
    """Start the workers; wait until every job is done or dead (or ``cap`` s); seconds
    taken, and the CPU seconds used meanwhile (see :func:`cpu_seconds`; ``other`` is the
    rest of the machine: other people's work)."""
    command = [skillcert_executable(), "worker"]
    with tempfile.TemporaryFile() as log:
        processes = [
            subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
            for _ in range(workers)
        ]
        start, before = time.monotonic(), cpu_seconds(processes)
        try:
            while time.monotonic() - start < cap:
                counts = job_counts(app)
                if counts["done"] + counts["dead"] >= total:
                    break
                if any(p.poll() is not None for p in processes):
                    log.seek(0)
                    sys.exit(f"A worker exited:\n{log.read().decode(errors='replace')[-3000:]}")
                time.sleep(0.1)
            wall, after = time.monotonic() - start, cpu_seconds(processes)
        finally:
            for process in processes:
                process.terminate()
            for process in processes:
                process.wait(30)
    used = {name: after[name] - before[name] for name in after}
    used["other"] = max(0.0, used["machine"] - used["workers"] - used["database"] - used["driver"])
    return wall, used


def delivery_window(app) -> float:
    """Seconds from the first claim to the last delivery stored as done."""
    with transaction(app) as session:
        first = session.scalar(
            select(func.min(JobEvent.at)).where(JobEvent.status == JobStatus.RUNNING)
        )
        last = session.scalar(select(func.max(Job.finished_at)))
    return (last - first).total_seconds() if first and last else 0.0


def arrivals(courses: list[Course]) -> Counter[tuple[str, int, str]]:
    """Scores the LMS accepted, per (course, line item, user)."""
    return Counter(
        (course.id, number, score["userId"])
        for course in courses
        for number, score in course.scores
    )


def measure(args: argparse.Namespace, database_url: str, instance: Path) -> list[str]:
    workers = args.workers if database_url.startswith("postgresql") else 1
    app = in_process_app(instance, database_url, secret_key="bench-secret-key")
    settings = app.config["SETTINGS"]
    lms = SlowLMS(args.latency)
    try:
        start = time.monotonic()
        courses = seed(app, lms, args.platforms, args.learners, args.scores // args.learners)
        queued = sum(job_counts(app).values())
        queue_seconds = time.monotonic() - start
        in_flight = min(
            workers * settings.worker_concurrency, settings.gradesync_per_platform * args.platforms
        )
        bound = in_flight / args.latency
        base = baseline(app, courses[0], in_flight, min(2_000, queued))
        courses[0].scores.clear()  # the baseline's scores are not the workers'
        env = {k: v for k, v in os.environ.items() if not k.startswith("SKILLCERT_")}
        env.update(
            SKILLCERT_DATABASE_URL=database_url,
            SKILLCERT_INSTANCE_PATH=str(instance),
            SKILLCERT_SECRET_KEY="bench-secret-key",
        )
        wall, cpu = run_workers(env, app, workers, queued, args.max_seconds)
        window = delivery_window(app)
        counts = job_counts(app)
        received = arrivals(courses)
        token_requests = sum(len(tool.assertions) for tool in lms.tools.values())
    finally:
        lms.close()
        app.extensions["skillcert.engine"].dispose()
    duplicates = sum(n - 1 for n in received.values() if n > 1)
    lost = queued - len(received)
    rate = counts["done"] / window if window else 0.0

    def per_delivery(seconds: float) -> str:
        return f"{1000 * seconds / max(counts['done'], 1):.1f} ms"

    ok = counts["done"] == queued and lost == 0 and duplicates == 0 and wall < 60
    return [
        f"{queued:,} scores for {args.learners:,} learners on {args.platforms} LMS registrations"
        f" ({args.scores // args.learners} line items each); queued in {queue_seconds:.1f} s",
        f"LMS latency {args.latency * 1000:.0f} ms per request; {workers} worker(s) x "
        f"worker_concurrency {settings.worker_concurrency}, gradesync_per_platform "
        f"{settings.gradesync_per_platform}: at most {in_flight} deliveries in flight",
        f"delivered: {counts['done']:,} done, {counts['dead']} dead, "
        f"{counts['queued'] + counts['running']} left; the LMS received {sum(received.values()):,}"
        f" scores: {lost} lost, {duplicates} duplicated; {token_requests} token requests",
        f"all delivered in {wall:.1f} s from the workers' start (target < 60 s): "
        f"{met(ok)}; first claim to last delivery {window:.1f} s",
        f"deliveries/s: {rate:.0f}; bound {bound:.0f}/s ({in_flight} in flight / "
        f"{args.latency * 1000:.0f} ms, 1 request per delivery): ratio {rate / bound:.2f}",
        f"CPU per delivery: workers {per_delivery(cpu['workers'])}, PostgreSQL "
        f"{per_delivery(cpu['database'])}, LMS and bench {per_delivery(cpu['driver'])}; "
        f"machine busy {100 * cpu['machine'] / wall / os.cpu_count():.0f} % of "
        f"{os.cpu_count()} cores, other people's work {100 * cpu['other'] / wall:.0f} % of a core",
        f"baseline: {base:.0f} score POSTs/s with the AGS client from {in_flight} threads, no "
        f"queue: ratio to bound {base / bound:.2f}; workers / baseline {rate / base:.2f}",
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    add_database_option(parser)
    parser.add_argument("--scores", type=int, default=10_000)
    parser.add_argument("--learners", type=int, default=1_000)
    parser.add_argument("--platforms", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2, help="PostgreSQL only; SQLite runs 1")
    parser.add_argument("--latency", type=float, default=0.05, help="seconds per LMS request")
    parser.add_argument("--max-seconds", type=float, default=300.0, help="cap on the delivery")
    args = parser.parse_args(argv)
    if args.scores % args.learners or args.learners % args.platforms:
        parser.error("--scores must be a multiple of --learners, --learners of --platforms.")
    with (
        tempfile.TemporaryDirectory(prefix="skillcert-gradesync-") as tmp,
        scratch_database(args.database) as url,
    ):
        lines = measure(args, url or f"sqlite:///{tmp}/skillcert.db", Path(tmp))
    print_results(args.database, lines)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
