"""Prometheus metrics: counters and histograms the code updates, exposed at ``/metrics``.

prometheus_client picks its storage when it is first imported: in memory, or (when
``PROMETHEUS_MULTIPROC_DIR`` names a folder) files that every process of the tool shares,
so one scrape of any gunicorn worker sums all the workers and ``skillcert worker``.
``skillcert serve`` and ``skillcert worker`` call :func:`share_between_processes` before
anything counts, hence the imports inside the functions here.

The job queue's gauges are not kept by any process: the scrape reads them from the job
table (:func:`exposition` takes its rows).
"""

from __future__ import annotations

import datetime as dt
import os
import threading
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple, cast

if TYPE_CHECKING:
    from prometheus_client import Counter, Histogram
    from prometheus_client.registry import Collector

#: The folder, under the instance folder, the processes' metric files are shared in.
SHARED_FOLDER = "prometheus-metrics"
_ENV = "PROMETHEUS_MULTIPROC_DIR"
#: Launch and lab-run buckets, in seconds: a launch takes tens of ms; a lab tens of seconds.
_LAUNCH_BUCKETS = (0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
_SANDBOX_BUCKETS = (0.5, 1.0, 2.5, 5.0, 10.0, 20.0, 30.0, 60.0, 120.0, 300.0)


class QueueRow(NamedTuple):
    """One (kind, status) of the job table: how many jobs, and the earliest ``run_after``."""

    kind: str
    status: str
    jobs: int
    earliest: dt.datetime | None


class _Metrics:
    def __init__(self) -> None:
        from prometheus_client import Counter, Histogram

        self.launches = Counter(
            "skillcert_launches", "LTI launches by outcome", ["outcome"], registry=None
        )
        self.launch_seconds = Histogram(
            "skillcert_launch_duration_seconds",
            "Time to answer a launch post",
            buckets=_LAUNCH_BUCKETS,
            registry=None,
        )
        self.deliveries = Counter(
            "skillcert_grade_deliveries",
            "Score deliveries to LMSs by outcome and LMS preset",
            ["outcome", "preset"],
            registry=None,
        )
        self.sandbox_seconds = Histogram(
            "skillcert_sandbox_run_duration_seconds",
            "Lab grading runs in the sandbox by outcome",
            ["outcome"],
            buckets=_SANDBOX_BUCKETS,
            registry=None,
        )
        self.credentials_issued = Counter(
            "skillcert_credentials_issued", "Credentials signed and stored", registry=None
        )
        self.credentials_verified = Counter(
            "skillcert_credentials_verified",
            "Credentials checked on the public verification page, by verdict",
            ["verdict"],
            registry=None,
        )
        self.jobs_died = Counter(
            "skillcert_jobs_died",
            "Background jobs that failed for good, by kind",
            ["kind"],
            registry=None,
        )

    def all(self) -> tuple[Counter | Histogram, ...]:
        return (
            self.launches,
            self.launch_seconds,
            self.deliveries,
            self.sandbox_seconds,
            self.credentials_issued,
            self.credentials_verified,
            self.jobs_died,
        )


_created: list[_Metrics] = []
_creating = threading.Lock()


def _metrics() -> _Metrics:
    """The metrics, made on first use: exactly once, as two sets would overwrite each
    other's counts in the shared files."""
    if not _created:
        with _creating:
            if not _created:
                _created.append(_Metrics())
    return _created[0]


def launch(outcome: str, seconds: float) -> None:
    """A launch post was answered: ``accepted`` or ``refused``."""
    _metrics().launches.labels(outcome).inc()
    _metrics().launch_seconds.observe(seconds)


def delivery(outcome: str, preset: str) -> None:
    """A score delivery ended: ``delivered``, ``retry`` or ``failed``."""
    _metrics().deliveries.labels(outcome, preset).inc()


def sandbox_run(outcome: str, seconds: float) -> None:
    """A lab grading run ended with ``outcome`` (the result's status)."""
    _metrics().sandbox_seconds.labels(outcome).observe(seconds)


def credential_issued() -> None:
    _metrics().credentials_issued.inc()


def credential_verified(verdict: str) -> None:
    _metrics().credentials_verified.labels(verdict).inc()


def job_died(kind: str) -> None:
    _metrics().jobs_died.labels(kind).inc()


def share_between_processes(instance_path: str, *, clear: bool) -> Path:
    """Keep this process's metrics in the instance's shared folder (with its gunicorn
    workers and job workers). ``clear``: first delete the files of processes that are gone
    (``skillcert serve`` at start); their counts go with them, which Prometheus reads as a
    restart. Must run before anything counts."""
    folder = Path(instance_path) / SHARED_FOLDER
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    if clear:
        for path in folder.glob("*.db"):
            pid = path.stem.rpartition("_")[2]
            if not (pid.isdigit() and _alive(int(pid))):
                path.unlink(missing_ok=True)
    os.environ[_ENV] = str(folder)
    return folder


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    return True


def process_exited(pid: int) -> None:
    """Gunicorn's ``child_exit``: drop the dead worker's live gauges (its counts stay)."""
    if os.environ.get(_ENV):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(pid)


def exposition(queue: Iterable[QueueRow], now: dt.datetime) -> tuple[bytes, str]:
    """The scrape's body and content type: every process's metrics and the queue's."""
    from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
    from prometheus_client.multiprocess import MultiProcessCollector

    registry = CollectorRegistry(auto_describe=True)
    if os.environ.get(_ENV):
        MultiProcessCollector(registry)
    else:
        for metric in _metrics().all():
            registry.register(metric)
    registry.register(cast("Collector", _QueueCollector(list(queue), now)))
    return generate_latest(registry), CONTENT_TYPE_LATEST


class _QueueCollector:
    """The job table's state at scrape time: queued and dead jobs and the oldest wait."""

    def __init__(self, rows: list[QueueRow], now: dt.datetime) -> None:
        self._rows = rows
        self._now = now

    def collect(self) -> Iterator[Any]:
        from prometheus_client.core import GaugeMetricFamily

        depth = GaugeMetricFamily(
            "skillcert_jobs_queued", "Jobs waiting in the queue, by kind", labels=["kind"]
        )
        age = GaugeMetricFamily(
            "skillcert_jobs_oldest_due_age_seconds",
            "How long the longest-waiting due job has waited (0: none is due), by kind",
            labels=["kind"],
        )
        dead = GaugeMetricFamily(
            "skillcert_jobs_dead",
            "Jobs that failed for good and are kept, by kind",
            labels=["kind"],
        )
        for row in self._rows:
            if row.status == "queued":
                depth.add_metric([row.kind], row.jobs)
                waited = (self._now - row.earliest).total_seconds() if row.earliest else 0.0
                age.add_metric([row.kind], max(waited, 0.0))
            elif row.status == "dead":
                dead.add_metric([row.kind], row.jobs)
        yield from (depth, age, dead)
