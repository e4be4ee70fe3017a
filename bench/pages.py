"""Benchmark of the instructor gradebook: `.venv/bin/python bench/pages.py`.

Issue 6's target: the gradebook for 1,000 learners x 50 placed activities renders in under
300 ms of server time. The tool runs in-process (Flask test client) on a fresh SQLite
database seeded with one submitted attempt per learner and activity (50,000 attempts).
The baseline, measured in the same run, renders a plain HTML table of the same size with
Jinja and no database, so the ratio shows what the gradebook adds to bare templating.
"""

from __future__ import annotations

import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

import yaml
from jinja2 import Template

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from lti_tool.app import create_app
from lti_tool.cli import prepare_database
from lti_tool.db import transaction
from lti_tool.models import (
    Attempt,
    AttemptStatus,
    Context,
    Deployment,
    Membership,
    Registration,
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
        registration = Registration(
            name="Bench",
            issuer="https://lms.example",
            client_id="c",
            auth_login_url="https://lms.example/auth",
            auth_token_url="https://lms.example/token",
            key_set_url="https://lms.example/jwks",
        )
        session.add(registration)
        session.flush()
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


def timed(fn, runs: int = RUNS) -> list[float]:
    fn()  # warm caches (templates, compiled SQL, content)
    out = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        out.append(time.perf_counter() - start)
    return out


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        content = write_track(Path(tmp))
        app = create_app({"instance_path": tmp, "content_path": str(content)})
        prepare_database(app)
        token = seed(app)
        client = app.test_client()
        client.set_cookie(SESSION_COOKIE, token)

        def gradebook():
            response = client.get("/teach/gradebook")
            assert response.status_code == 200 and "Learner 0999" in response.get_data(as_text=True)

        rows = [
            (f"Learner {n:04d}", [round(random.random() * 100, 1) for _ in range(ACTIVITIES)])
            for n in range(LEARNERS)
        ]
        page = timed(gradebook)
        base = timed(lambda: BASELINE.render(rows=rows))
    median, best = statistics.median(page), min(page)
    print(
        f"gradebook {LEARNERS} learners x {ACTIVITIES} activities: "
        f"median {median * 1000:.0f} ms, best {best * 1000:.0f} ms (target < 300 ms): "
        f"{'met' if median < 0.3 else 'NOT MET'}"
    )
    baseline = statistics.median(base)
    print(
        f"baseline: a plain Jinja table of the same size: median {baseline * 1000:.0f} ms;"
        f" ratio {median / baseline:.1f}x"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
