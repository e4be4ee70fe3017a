"""Benchmark of the pages issue 6 sets targets for: `.venv/bin/python bench/pages.py`.

1. Instructor gradebook, 1,000 learners x 50 placed activities (50,000 attempts), target
   < 300 ms server time. In-process (Flask test client) on a fresh database: SQLite, or a
   scratch schema in PostgreSQL with ``--database``. Timed per request: the whole page and
   the CSV export. Baseline in the same run: a plain Jinja table of the same size (no
   database), so the ratio shows what the gradebook adds to bare templating.
2. Learner pages under load, target p95 < 100 ms at concurrency 16 on 2 workers: see
   ``learner_load.py`` (the tool served by gunicorn, baseline ``/healthz`` in the same run).

Options: ``--quick`` (fewer requests), ``--database postgresql://…`` (loopback only),
``--only gradebook|learners``.
"""

from __future__ import annotations

import argparse
import gc
import random
import statistics
import tempfile
from collections.abc import Callable
from pathlib import Path

import learner_load
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
from jinja2 import Template

from lti_tool.db import transaction
from lti_tool.models import (
    Attempt,
    AttemptStatus,
    Context,
    Deployment,
    Membership,
    ResourceLink,
    Role,
    User,
    utcnow,
)
from lti_tool.sessions import SESSION_COOKIE, create_launch_session

LEARNERS = 1_000
ACTIVITIES = 50
RUNS = 7


def write_track(root: Path) -> Path:
    """A track of ACTIVITIES modules with one two-question quiz each."""
    folder = root / "tracks" / "pages"
    modules = [f"m{n}" for n in range(ACTIVITIES)]
    folder.mkdir(parents=True)
    track = {
        "id": "pages",
        "version": "1.0.0",
        "title": "Gradebook benchmark",
        "summary": "Generated.",
        "audience": "Machines",
        "competencies": [{"id": "c1", "title": "One"}],
        "modules": modules,
    }
    (folder / "track.yaml").write_text(yaml.safe_dump(track))
    for n, module_id in enumerate(modules):
        options = [
            {"id": "a", "text": "A", "correct": True, "rationale": "Right."},
            {"id": "b", "text": "B", "rationale": "Wrong."},
        ]
        quiz = {
            "id": f"quiz-{n}",
            "version": "1.0.0",
            "kind": "quiz",
            "title": f"Quiz {n}",
            "competencies": ["c1"],
            "items": [
                {
                    "id": f"q{n}-{k}",
                    "version": "1.0.0",
                    "type": "single_choice",
                    "difficulty": "introductory",
                    "stem": "Pick A.",
                    "options": options,
                }
                for k in range(2)
            ],
        }
        module = {
            "id": module_id,
            "version": "1.0.0",
            "title": f"Module {n}",
            "reviewed": "2026-01-01",
            "review_by": "2099-01-01",
            "activities": [quiz],
        }
        (folder / "modules" / module_id).mkdir(parents=True)
        (folder / "modules" / module_id / "module.yaml").write_text(yaml.safe_dump(module))
    return folder.parent


def seed(app) -> str:
    """One course, LEARNERS learners, one attempt each per quiz; returns an instructor's cookie."""
    rng = random.Random(6)
    now = utcnow()
    with transaction(app) as session:
        registration = made_up_registration(session)
        deployment = Deployment(registration_id=registration.id, deployment_id="d")
        session.add(deployment)
        session.flush()
        context = Context(deployment_id=deployment.id, context_id="course", title="Course")
        session.add(context)
        session.flush()
        session.add(ResourceLink(context_id=context.id, resource_link_id="l", target="track:pages"))
        conn = session.connection()
        users = [
            {
                "registration_id": registration.id,
                "sub": f"u{n}",
                "name": f"Learner {n:04d}",
                "updated_at": now,
            }
            for n in range(LEARNERS + 1)
        ]
        conn.execute(User.__table__.insert(), users)
        ids = [row.id for row in conn.execute(User.__table__.select().order_by(User.id))]
        teacher, learners = ids[-1], ids[:-1]
        conn.execute(
            Membership.__table__.insert(),
            [
                {
                    "context_id": context.id,
                    "user_id": uid,
                    "role": Role.LEARNER.value,
                    "lti_roles": [],
                    "last_launch_at": now,
                }
                for uid in learners
            ]
            + [
                {
                    "context_id": context.id,
                    "user_id": teacher,
                    "role": Role.INSTRUCTOR.value,
                    "lti_roles": [],
                    "last_launch_at": now,
                }
            ],
        )
        attempts = [
            {
                "registration_id": registration.id,
                "deployment_id": deployment.id,
                "context_id": context.id,
                "user_id": uid,
                "track_id": "pages",
                "activity_id": f"quiz-{n}",
                "number": 1,
                "content_versions": {},
                "answers": {},
                "status": AttemptStatus.SUBMITTED.value,
                "started_at": now,
                "submitted_at": now,
                "score": rng.random(),
                "result": {"status": "partial"},
            }
            for uid in learners
            for n in range(ACTIVITIES)
        ]
        conn.execute(Attempt.__table__.insert(), attempts)
        return create_launch_session(
            conn,
            app.config["SETTINGS"],
            registration_id=registration.id,
            deployment_id=deployment.id,
            context_id=context.id,
            resource_link_id=None,
            user_id=teacher,
            role=Role.INSTRUCTOR.value,
            message_type="LtiResourceLinkRequest",
            claims={},
        )


BASELINE = Template(
    "<table>{% for r in rows %}<tr><th>{{ r[0] }}</th>"
    "{% for c in r[1] %}<td>{{ c }} %<br>submitted</td>{% endfor %}</tr>{% endfor %}</table>"
)


def timings(fn: Callable[[], object], runs: int = RUNS) -> list[float]:
    """Seconds of each of ``runs`` calls, after one to warm caches (templates, SQL, content)."""
    fn()
    return [timed(fn)[0] for _ in range(runs)]


def measure_gradebook(database_url: str | None) -> list[str]:
    with tempfile.TemporaryDirectory() as tmp:
        content = write_track(Path(tmp))
        app = in_process_app(tmp, database_url, content_path=str(content))
        # As lti_tool/wsgi.py does in a deployed worker once the app is built.
        gc.freeze()
        token = seed(app)
        client = app.test_client()
        client.set_cookie(SESSION_COOKIE, token)

        def fetch(path: str, marker: str):
            def get():
                response = client.get(path)
                assert response.status_code == 200 and marker in response.get_data(as_text=True)

            return get

        page = timings(fetch("/teach/gradebook", "Learner 0999"))
        csv_export = timings(fetch("/teach/gradebook.csv", "Learner 0999"))
        rows = [
            (f"Learner {n:04d}", [round(random.random() * 100, 1) for _ in range(ACTIVITIES)])
            for n in range(LEARNERS)
        ]
        base = timings(lambda: BASELINE.render(rows=rows))
        app.extensions["skillcert.engine"].dispose()
    median, best, baseline = statistics.median(page), min(page), statistics.median(base)
    return [
        f"gradebook {LEARNERS} learners x {ACTIVITIES} activities: "
        f"median {median * 1000:.0f} ms, best {best * 1000:.0f} ms (target < 300 ms): "
        f"{met(median < 0.3)}",
        f"  CSV export: median {statistics.median(csv_export) * 1000:.0f} ms, "
        f"best {min(csv_export) * 1000:.0f} ms",
        f"  baseline: a plain Jinja table of the same size: median {baseline * 1000:.0f} ms;"
        f" ratio {median / baseline:.1f}x",
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer learner-page requests")
    add_database_option(parser)
    parser.add_argument("--only", choices=("gradebook", "learners"))
    args = parser.parse_args(argv)
    lines = []
    if args.only in (None, "gradebook"):
        with scratch_database(args.database) as url:
            lines += measure_gradebook(url)
    if args.only in (None, "learners"):
        with scratch_database(args.database) as url:
            lines += learner_load.report(learner_load.measure(url, args.quick))
    print_results(args.database, lines)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
