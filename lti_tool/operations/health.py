"""The health page's figures: is everything SkillCert needs working, and what needs a person.

Each figure is one query (or one cheap check) so the page stays fast on a busy queue:
the lab sandbox, the database and its schema, Redis, the tool key's age, the workers'
heartbeats, the queue by job kind, dead jobs with their history, and the last error
reports. :attr:`Health.problems` names what needs a person, for the page's summary and
for monitoring.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import functools
import logging
import re

from sqlalchemy import ColumnElement, Connection, Engine, and_, case, exists, func, or_, select
from sqlalchemy.orm import Session, aliased

from assessments.labs.sandbox import SandboxConfig, SandboxUnavailable, check_prerequisites
from lti_tool import migrations
from lti_tool.errors import SettingsError
from lti_tool.jobs import queue
from lti_tool.jobs.heartbeats import SILENT_AFTER
from lti_tool.lti.keys import published_keys
from lti_tool.models import ErrorReport, Job, JobEvent, JobStatus, WorkerHeartbeat
from lti_tool.ratelimit import RedisCounter

log = logging.getLogger(__name__)

#: The tool key is due for rotation after this long (docs/operator-guide.md, "Keys").
KEY_ROTATION_DUE = dt.timedelta(days=90)
#: The most dead jobs and error reports a page lists (the newest).
LISTED = 50
#: What a reference id looks like ("Reference: 1a2b3c4d"; lti_tool.observability.events).
_REFERENCE = re.compile(r"[0-9a-f]{1,40}")


@dataclasses.dataclass(frozen=True)
class Check:
    """A yes/no figure, and what the page shows beside it as is (in English): the lab
    environment's path and uid, the sandbox's reason, Redis's host and port."""

    ok: bool
    detail: str = ""


def sandbox() -> Check:
    """Can the lab sandbox run here: the checks the lab runner makes before every run
    (bubblewrap and its helpers, the sandbox user, the lab environment's Python). It runs
    nothing: ``skillcert labs status`` starts a real probe."""
    try:
        config = SandboxConfig.from_environment()
        check_prerequisites(config, config.lab_python)
    except SandboxUnavailable as error:
        return Check(False, str(error))
    return Check(True, f"uid {config.uid}, {config.lab_env}")


@functools.lru_cache(maxsize=1)
def _code_head(engine: Engine) -> str | None:
    # Reading the migration scripts takes ~150 ms; they change only with a new release.
    return migrations.head_revision(engine)


@dataclasses.dataclass(frozen=True)
class DatabaseState:
    reachable: bool
    revision: str | None = None
    head: str | None = None

    @property
    def current(self) -> bool:
        return self.reachable and self.revision == self.head


def database(conn: Connection) -> DatabaseState:
    """Does the database answer, and is its schema this code's (``skillcert db upgrade``)?"""
    try:
        revision = migrations.current_revision(conn)
    except Exception as error:  # any failure means unreachable
        log.warning("Health: the database did not answer: %s", type(error).__name__)
        return DatabaseState(False)
    return DatabaseState(True, revision, _code_head(conn.engine))


def redis(url: str) -> Check | None:
    """Does the Redis of the shared rate limits answer; None when none is configured."""
    if not url:
        return None
    try:
        counter = RedisCounter(url, prefix="")
    except SettingsError as error:  # only read when rate limits are on: not checked at start
        return Check(False, error.message)
    try:
        counter.client.ping()
    except Exception:  # redis-py raises its own errors and OSErrors alike
        return Check(False, counter.where)
    finally:
        counter.client.close()
    return Check(True, counter.where)


@dataclasses.dataclass(frozen=True)
class KeyAge:
    kid: str
    created_at: dt.datetime
    age: dt.timedelta

    @property
    def rotation_due(self) -> bool:
        return self.age > KEY_ROTATION_DUE


def tool_key(session: Session, now: dt.datetime) -> KeyAge | None:
    """The signing key's age; None before the first ``skillcert db upgrade`` made one."""
    keys = published_keys(session, now)
    if not keys:
        return None
    return KeyAge(keys[0].kid, keys[0].created_at, now - keys[0].created_at)


@dataclasses.dataclass(frozen=True)
class WorkerState:
    worker_id: str
    hostname: str
    pid: int
    started_at: dt.datetime
    last_seen_at: dt.datetime
    jobs_done: int
    alive: bool


def workers(session: Session, now: dt.datetime) -> list[WorkerState]:
    """Every worker with a heartbeat row: alive, or silent (no beat for SILENT_AFTER: it
    died, or its host or database link did; a clean stop removes the row)."""
    rows = session.scalars(
        select(WorkerHeartbeat).order_by(WorkerHeartbeat.hostname, WorkerHeartbeat.started_at)
    )
    return [
        WorkerState(
            row.worker_id,
            row.hostname,
            row.pid,
            row.started_at,
            row.last_seen_at,
            row.jobs_done,
            alive=now - row.last_seen_at < SILENT_AFTER,
        )
        for row in rows
    ]


@dataclasses.dataclass(frozen=True)
class QueueDepth:
    kind: str
    queued: int
    #: When the oldest queued job was queued.
    oldest_queued_at: dt.datetime | None
    running: int
    #: Queued again after a failed attempt.
    retrying: int


def _count(*conditions: ColumnElement[bool]) -> ColumnElement[int]:
    return func.sum(case((and_(*conditions), 1), else_=0))


_QUEUE_DEPTH = (
    select(
        Job.kind,
        _count(Job.status == JobStatus.QUEUED),
        func.min(case((Job.status == JobStatus.QUEUED, Job.created_at))),
        _count(Job.status == JobStatus.RUNNING),
        _count(Job.status == JobStatus.QUEUED, Job.attempts > 0),
    )
    .where(Job.status.in_([JobStatus.QUEUED, JobStatus.RUNNING]))
    .group_by(Job.kind)
    .order_by(Job.kind)
)


def queue_depth(session: Session) -> list[QueueDepth]:
    """The jobs waiting or running, by kind (kinds with none are left out)."""
    return [
        QueueDepth(kind, int(queued), oldest, int(running), int(retrying))
        for kind, queued, oldest, running, retrying in session.execute(_QUEUE_DEPTH)
    ]


@dataclasses.dataclass(frozen=True)
class DeadJob:
    id: int
    kind: str
    attempts: int
    reason: str
    died_at: dt.datetime | None
    #: What happened to it, oldest first: (when, status, detail).
    history: list[tuple[dt.datetime, str, str]]


def _not_superseded() -> ColumnElement[bool]:
    """The job's work was not replaced by a newer job's. Kinds whose newer job replaces an
    older one (a learner's newer score) have a dedupe key, and it is their lock key too
    (indexed); sending the older one again would overwrite the newer's work. Other kinds
    (lab grading) only order their jobs by lock key: each job stands."""
    newer = aliased(Job)
    return or_(
        Job.dedupe_key.is_(None),
        ~exists().where(newer.lock_key == Job.lock_key, newer.id > Job.id),
    )


def dead_jobs(session: Session, limit: int = LISTED) -> list[DeadJob]:
    """The newest dead jobs that may be sent again, each with its events."""
    jobs = session.scalars(
        select(Job)
        .where(Job.status == JobStatus.DEAD, _not_superseded())
        .order_by(Job.finished_at.desc(), Job.id.desc())
        .limit(limit)
    ).all()
    history: dict[int, list[tuple[dt.datetime, str, str]]] = {job.id: [] for job in jobs}
    events = session.execute(
        select(JobEvent.job_id, JobEvent.at, JobEvent.status, JobEvent.detail)
        .where(JobEvent.job_id.in_(history))
        .order_by(JobEvent.job_id, JobEvent.id)
    )
    for job_id, at, status, detail in events:
        history[job_id].append((at, status, detail))
    return [
        DeadJob(
            job.id, job.kind, job.attempts, job.last_error or "", job.finished_at, history[job.id]
        )
        for job in jobs
    ]


def retry_dead_job(session: Session, job_id: int, who: str) -> Job | None:
    """Queue a dead job again, attempts starting over (the queue's own re-queue, as an
    instructor's "Send again" does); the job, or None when it is not dead or a newer job
    took its place."""
    job = session.scalar(
        select(Job).where(Job.id == job_id, Job.status == JobStatus.DEAD, _not_superseded())
    )
    if job is None or not queue.requeue(session.connection(), job_id, who):
        return None
    return job


def normalise_reference(text: str) -> str:
    """A reference id as a person copies it ("Reference: 1A2B3C4D", "ref=1a2b3c4d"); ""
    when it cannot be one."""
    text = text.strip().lower()
    for prefix in ("reference:", "ref="):
        text = text.removeprefix(prefix).strip()
    return text if _REFERENCE.fullmatch(text) else ""


def error_reports(session: Session, reference: str = "", limit: int = LISTED) -> list[ErrorReport]:
    """The newest error reports, or those of one reference id (a request has one; a job's
    failures have one each)."""
    query = select(ErrorReport).order_by(ErrorReport.id.desc()).limit(limit)
    if reference:
        query = query.where(ErrorReport.reference == reference)
    return list(session.scalars(query))


def errors_since(session: Session, since: dt.datetime) -> int:
    """How many error reports were stored since ``since`` (of those kept: the newest
    lti_tool.error_reports.KEEP)."""
    return session.scalar(select(func.count()).where(ErrorReport.at >= since)) or 0


# -- what needs a person ------------------------------------------------------------------


class Problem(enum.StrEnum):
    """Something on the health page that needs a person (docs/operator-guide.md says what
    to do about each)."""

    DATABASE_UNREACHABLE = "database_unreachable"
    DATABASE_BEHIND = "database_behind"
    SANDBOX_NOT_READY = "sandbox_not_ready"
    NO_WORKER = "no_worker"
    WORKER_SILENT = "worker_silent"
    DEAD_JOBS = "dead_jobs"
    REDIS_UNREACHABLE = "redis_unreachable"
    NO_TOOL_KEY = "no_tool_key"
    TOOL_KEY_DUE = "tool_key_due"


@dataclasses.dataclass(frozen=True)
class Health:
    now: dt.datetime
    database: DatabaseState
    sandbox: Check
    redis: Check | None
    tool_key: KeyAge | None
    workers: list[WorkerState]
    queue: list[QueueDepth]
    #: The newest dead jobs that may be sent again (at most LISTED).
    dead: list[DeadJob]
    #: Error reports stored in the last hour.
    errors_last_hour: int

    @property
    def problems(self) -> list[Problem]:
        found = []
        if not self.database.reachable:
            found.append(Problem.DATABASE_UNREACHABLE)
        elif not self.database.current:
            found.append(Problem.DATABASE_BEHIND)
        if not self.sandbox.ok:
            found.append(Problem.SANDBOX_NOT_READY)
        if not any(worker.alive for worker in self.workers):
            found.append(Problem.NO_WORKER)
        if any(not worker.alive for worker in self.workers):
            found.append(Problem.WORKER_SILENT)
        if self.dead:
            found.append(Problem.DEAD_JOBS)
        if self.redis is not None and not self.redis.ok:
            found.append(Problem.REDIS_UNREACHABLE)
        if self.tool_key is None:
            found.append(Problem.NO_TOOL_KEY)
        elif self.tool_key.rotation_due:
            found.append(Problem.TOOL_KEY_DUE)
        return found


def health(session: Session, redis_url: str, now: dt.datetime) -> Health:
    """Every figure of the page but the error reports."""
    return Health(
        now=now,
        database=database(session.connection()),
        sandbox=sandbox(),
        redis=redis(redis_url),
        tool_key=tool_key(session, now),
        workers=workers(session, now),
        queue=queue_depth(session),
        dead=dead_jobs(session),
        errors_last_hour=errors_since(session, now - dt.timedelta(hours=1)),
    )


def as_json(figures: Health) -> dict[str, object]:
    """The figures for monitoring: numbers, ages and yes/no only, never a reason or a
    report's text (those may quote an LMS; the signed-in page shows them)."""

    def seconds(delta: dt.timedelta) -> int:
        return int(delta.total_seconds())

    now = figures.now
    return {
        "status": "ok" if not figures.problems else "attention",
        "problems": [str(problem) for problem in figures.problems],
        "database": {
            "reachable": figures.database.reachable,
            "revision": figures.database.revision,
            "current": figures.database.current,
        },
        "sandbox": {"ready": figures.sandbox.ok},
        "redis": None if figures.redis is None else {"reachable": figures.redis.ok},
        "tool_key": None
        if figures.tool_key is None
        else {
            "age_seconds": seconds(figures.tool_key.age),
            "rotation_due": figures.tool_key.rotation_due,
        },
        "workers": [
            {
                "worker_id": worker.worker_id,
                "alive": worker.alive,
                "seconds_since_seen": seconds(now - worker.last_seen_at),
                "jobs_done": worker.jobs_done,
            }
            for worker in figures.workers
        ],
        "queue": {
            depth.kind: {
                "queued": depth.queued,
                "oldest_queued_seconds": None
                if depth.oldest_queued_at is None
                else seconds(now - depth.oldest_queued_at),
                "running": depth.running,
                "retrying": depth.retrying,
            }
            for depth in figures.queue
        },
        "dead_jobs": len(figures.dead),
        "errors_last_hour": figures.errors_last_hour,
    }
