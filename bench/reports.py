"""Benchmark of the organisation reports: `.venv/bin/python bench/reports.py --database …`.

A district of 20,000 learners in 12 schools, each school placing one track of 40
activities (10 modules: a lesson and three quizzes) with a target date (past in half of
the schools); about 460,000 attempts (done, open, awaiting grading, retaken), lab
submissions on a tenth of the learners, a credential for a third of them (active, due for
renewal, renewed, expired), 4 sections per school. Seeded with COPY (PostgreSQL) or Core
executemany (SQLite) into a scratch schema, then timed in process through Flask's test
client as a deployment administrator: the district report page (target < 500 ms on
PostgreSQL) and one school's page (1,667 learners, with its gradebook and heat map).

Baseline in the same run: one plain aggregate over the same attempts, grouped per school
and learner (``SELECT context_id, user_id, count(*) … GROUP BY 1, 2``), fetched whole. Any
exact per-learner figure has to read every attempt once, so this is the floor the
district page's own grouping is compared with.

Options: ``--database postgresql://…`` (loopback only; default SQLite), ``--learners N``,
``--runs N``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import json
import random
import statistics
import tempfile
import time
from pathlib import Path

import yaml
from harness import (
    add_database_option,
    in_process_app,
    made_up_registration,
    met,
    print_results,
    scratch_database,
    timed,
)
from sqlalchemy import text

from lti_tool.db import transaction
from lti_tool.models import (
    Attempt,
    Context,
    CourseSection,
    Credential,
    Deployment,
    LabSubmission,
    Membership,
    ResourceLink,
    SectionMember,
    User,
    utcnow,
)
from lti_tool.scope import ADMINISTERS_DEPLOYMENT
from lti_tool.sessions import SESSION_COOKIE, create_launch_session

SCHOOLS = 12
MODULES = 10
QUIZZES = 3  # per module, after its lesson: 40 activities in all
SECTIONS = 4


def write_track(root: Path) -> Path:
    folder = root / "tracks" / "district"
    modules = [f"m{n}" for n in range(MODULES)]
    folder.mkdir(parents=True)
    track = {
        "id": "district",
        "version": "1.0.0",
        "title": "District benchmark",
        "summary": "Generated.",
        "audience": "Machines",
        "competencies": [{"id": f"c{n}", "title": f"Competency {n}"} for n in range(3)],
        "modules": modules,
    }
    (folder / "track.yaml").write_text(yaml.safe_dump(track))
    options = [
        {"id": "a", "text": "A", "correct": True, "rationale": "Right."},
        {"id": "b", "text": "B", "rationale": "Wrong."},
    ]
    for n, module_id in enumerate(modules):
        lesson = {
            "id": f"lesson-{n}",
            "version": "1.0.0",
            "kind": "lesson",
            "title": f"Lesson {n}",
            "body": "Read this.",
        }
        quizzes = [
            {
                "id": f"quiz-{n}-{q}",
                "version": "1.0.0",
                "kind": "quiz",
                "title": f"Quiz {n}.{q}",
                "competencies": [f"c{q}"],
                "items": [
                    {
                        "id": f"q{n}-{q}",
                        "version": "1.0.0",
                        "type": "single_choice",
                        "difficulty": "introductory",
                        "stem": "Pick A.",
                        "options": options,
                    }
                ],
            }
            for q in range(QUIZZES)
        ]
        module = {
            "id": module_id,
            "version": "1.0.0",
            "title": f"Module {n}",
            "reviewed": "2026-01-01",
            "review_by": "2099-01-01",
            "activities": [lesson, *quizzes],
        }
        (folder / "modules" / module_id).mkdir(parents=True)
        (folder / "modules" / module_id / "module.yaml").write_text(yaml.safe_dump(module))
    return folder.parent


ACTIVITIES = [
    activity
    for n in range(MODULES)
    for activity in (f"lesson-{n}", *(f"quiz-{n}-{q}" for q in range(QUIZZES)))
]


def _bulk(conn, table, columns: list[str], rows: list[tuple]) -> None:
    """COPY on PostgreSQL; Core executemany elsewhere."""
    if conn.dialect.name == "postgresql":
        cursor = conn.connection.driver_connection.cursor()
        with cursor.copy(f"COPY {table.name} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        return
    conn.execute(table.insert(), [dict(zip(columns, row, strict=True)) for row in rows])


def _attempts(rng, ids, scope, now):
    """Per learner: the first k activities done (a few retaken, a few awaiting grading), the
    next one open; k spread so that about a fifth complete everything."""
    registration, deployment = scope
    versions = json.dumps({})
    rows = []
    for user_id, context_id in ids:
        k = len(ACTIVITIES) if rng.random() < 0.2 else rng.randrange(len(ACTIVITIES))
        for index, activity in enumerate(ACTIVITIES[: k + 1]):
            is_open = index == k
            pending = not is_open and rng.random() < 0.02
            at = now - dt.timedelta(days=rng.randrange(200))
            tries = 2 if rng.random() < 0.1 and not is_open else 1
            for number in range(1, tries + 1):
                result = json.dumps({"status": "pending" if pending else "graded"})
                rows.append(
                    (
                        registration,
                        deployment,
                        context_id,
                        user_id,
                        "district",
                        activity,
                        versions,
                        number,
                        "{}",
                        "in_progress" if is_open else "submitted",
                        at,
                        None if is_open else at,
                        None if is_open else round(rng.random(), 3),
                        None if is_open else result,
                    )
                )
    return rows


ATTEMPT_COLUMNS = [
    "registration_id",
    "deployment_id",
    "context_id",
    "user_id",
    "track_id",
    "activity_id",
    "content_versions",
    "number",
    "answers",
    "status",
    "started_at",
    "submitted_at",
    "score",
    "result",
]


def seed(app, learners: int) -> tuple[str, int]:
    """The district; returns a deployment administrator's session cookie and a school."""
    rng = random.Random(17)
    now = utcnow()
    with transaction(app) as session:
        registration = made_up_registration(session)
        deployment = Deployment(registration_id=registration.id, deployment_id="district")
        session.add(deployment)
        session.flush()
        schools = []
        for n in range(SCHOOLS):
            school = Context(
                deployment_id=deployment.id, context_id=f"s{n}", title=f"School {n:02d}"
            )
            session.add(school)
            session.flush()
            past = n % 2 == 0
            target = (now + dt.timedelta(days=-20 if past else 40)).date()
            session.add(
                ResourceLink(
                    context_id=school.id,
                    resource_link_id=f"l{n}",
                    title="District track",
                    target="track:district",
                    target_date=target,
                )
            )
            schools.append(school.id)
        conn = session.connection()
        users = [
            {"registration_id": registration.id, "sub": f"u{n}", "name": f"Teacher {n:05d}"}
            for n in range(learners + 1)
        ]
        conn.execute(User.__table__.insert(), users)
        ids = [row.id for row in conn.execute(text("SELECT id FROM lti_user ORDER BY id"))]
        admin, learner_ids = ids[-1], ids[:-1]
        placed = [(uid, schools[n % SCHOOLS]) for n, uid in enumerate(learner_ids)]
        _bulk(
            conn,
            Membership.__table__,
            ["context_id", "user_id", "role", "lti_roles", "status"],
            [(cid, uid, "learner", "[]", "Active") for uid, cid in placed]
            + [(schools[0], admin, "administrator", "[]", "Active")],
        )
        section_rows = [
            (cid, f"sec-{cid}-{s}", f"Section {s}", now) for cid in schools for s in range(SECTIONS)
        ]
        _bulk(
            conn,
            CourseSection.__table__,
            ["context_id", "section_id", "name", "updated_at"],
            section_rows,
        )
        section_ids = {
            (cid, name): sid
            for sid, cid, name in conn.execute(
                text("SELECT id, context_id, name FROM course_section")
            )
        }
        _bulk(
            conn,
            SectionMember.__table__,
            ["section_id", "user_id"],
            [(section_ids[cid, f"Section {uid % SECTIONS}"], uid) for uid, cid in placed],
        )
        scope = (registration.id, deployment.id)
        _bulk(conn, Attempt.__table__, ATTEMPT_COLUMNS, _attempts(rng, placed, scope, now))
        labs = [
            (
                *scope,
                cid,
                uid,
                "district",
                f"quiz-{rng.randrange(MODULES)}-0",
                "{}",
                b"PK",
                "graded",
                False,
                0.9,
                None,
                now,
                now,
            )
            for uid, cid in placed
            if rng.random() < 0.1
        ]
        _bulk(
            conn,
            LabSubmission.__table__,
            [
                "registration_id",
                "deployment_id",
                "context_id",
                "user_id",
                "track_id",
                "activity_id",
                "content_versions",
                "archive",
                "status",
                "visible_only",
                "score",
                "result",
                "created_at",
                "graded_at",
            ],
            labs,
        )
        holders = [uid for uid, _ in placed if rng.random() < 0.33]
        credentials = []
        for index, uid in enumerate(holders):
            left = rng.choice((-30, 45, 200, 400))
            credentials.append(
                (
                    f"00000000-0000-4000-8000-{index:012d}",
                    registration.id,
                    uid,
                    "district",
                    "1.0.0",
                    0,
                    None,
                    "{}",
                    now,
                    now,
                    now + dt.timedelta(days=left),
                    1,
                    index,
                    "active",
                    "system",
                    "",
                    "{}",
                    now,
                )
            )
        _bulk(
            conn,
            Credential.__table__,
            [
                "id",
                "registration_id",
                "user_id",
                "track_id",
                "track_version",
                "period",
                "previous_id",
                "achievement",
                "awarded_at",
                "valid_from",
                "valid_until",
                "status_list",
                "status_index",
                "state",
                "issued_by",
                "issue_reason",
                "document",
                "created_at",
            ],
            credentials,
        )
        return create_launch_session(
            conn,
            app.config["SETTINGS"],
            registration_id=registration.id,
            deployment_id=deployment.id,
            context_id=schools[0],
            resource_link_id=None,
            user_id=admin,
            role="administrator",
            message_type="LtiResourceLinkRequest",
            claims={ADMINISTERS_DEPLOYMENT: True},
        ), schools[1]


def timings(fn, runs: int) -> list[float]:
    fn()  # warm: templates, content, statement caches
    return [timed(fn)[0] for _ in range(runs)]


def summary(name: str, values: list[float]) -> str:
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return f"{name}: median {statistics.median(values) * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms"


def measure(database_url: str | None, learners: int, runs: int) -> list[str]:
    with tempfile.TemporaryDirectory() as tmp:
        content = write_track(Path(tmp))
        app = in_process_app(tmp, database_url, content_path=str(content))
        gc.freeze()
        started = time.perf_counter()
        token, school = seed(app, learners)
        seeded = time.perf_counter() - started
        client = app.test_client()
        client.set_cookie(SESSION_COOKIE, token)
        engine = app.extensions["skillcert.engine"]
        if engine.dialect.name == "postgresql":
            # A database in service is vacuumed and analysed. Without this, autovacuum wakes
            # for the half million new rows while the first pages are timed, on the same two
            # cores: one run in three or four then took about 720 ms a page instead of 460.
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(text("VACUUM ANALYZE"))
        with engine.connect() as conn:
            attempts = conn.execute(text("SELECT count(*) FROM attempt")).scalar_one()
            labs = conn.execute(text("SELECT count(*) FROM lab_submission")).scalar_one()

        def fetch(path: str, marker: str):
            def get():
                response = client.get(path)
                body = response.get_data(as_text=True)
                assert response.status_code == 200 and marker in body, body[:2000]

            return get

        district = timings(fetch("/admin/reports", "School 11"), runs)
        school_page = timings(
            fetch(f"/admin/reports/schools/{school}", "Teacher"), max(3, runs // 2)
        )

        def baseline():
            with engine.connect() as conn:
                conn.execute(
                    text("SELECT context_id, user_id, count(*) FROM attempt GROUP BY 1, 2")
                ).all()

        base = timings(baseline, runs)
        engine.dispose()
    median, base_median = statistics.median(district), statistics.median(base)
    return [
        f"seeded {learners:,} learners x {len(ACTIVITIES)} activities in {SCHOOLS} schools: "
        f"{attempts:,} attempts, {labs:,} lab submissions in {seeded:.0f} s",
        summary("district report page", district) + f" (target < 500 ms): {met(median < 0.5)}",
        summary(
            f"school page ({learners // SCHOOLS:,} learners, gradebook + heat map)", school_page
        ),
        summary("baseline: one GROUP BY (school, learner) over the attempts", base)
        + f"; district page / baseline {median / base_median:.1f}x",
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    add_database_option(parser)
    parser.add_argument("--learners", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=9)
    args = parser.parse_args(argv)
    with scratch_database(args.database) as url:
        lines = measure(url, args.learners, args.runs)
    print_results(args.database, lines)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
