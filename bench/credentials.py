"""Credentials benchmark (issue 8): `.venv/bin/python bench/credentials.py`.

Issues 1,000 Open Badges 3.0 credentials and verifies 1,000; targets ≥ 100 issued/s and
≥ 150 verified/s on this machine. In-process on a fresh database (SQLite, or a scratch
schema in PostgreSQL with ``--database``), with the largest of the real tracks:

* issue: ``issuing.issue`` for 1,000 learners with a full score report as evidence, one
  transaction each, as the ``issue-credential`` job does it (status-list slot, the
  eddsa-rdfc-2022 proof, the row);
* verify: ``verify.verify`` on each issued document, as ``POST /api/verify`` and the
  public page do (format, issuer, proof, status list, validity), one session each: first
  as exact copies of the stored credentials (their proofs answered from the stored rows,
  ``stored_copy``), then with the rows deleted, as another issuer's database would see
  them (every proof canonicalised and checked in full); and once more so with PyLD
  alone writing the canonical form, as before Oxigraph's RDFC-1.0 was used
  (``compiled_canonical``): the same-run baseline of that change.

Baseline in the same run: a bare Ed25519 sign and verify (``cryptography``) of the
64-byte hash data a proof signs, so the ratios show what JSON-LD canonicalisation, the
database and the checks add to the signature itself. Each phase also reports this
process's CPU time per credential and how busy the rest of the machine was (other
processes, and PostgreSQL with ``--database``): on the shared two-core machine the rate
follows that load, the CPU time much less. Options: ``--count N``, ``--database
postgresql://…`` (loopback only), ``--profile`` (the top functions).
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import json
import os
import pstats
import random
import tempfile
import time

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from harness import (
    add_database_option,
    in_process_app,
    machine_busy_seconds,
    made_up_registration,
    met,
    print_results,
    scratch_database,
    timed,
)
from sqlalchemy import delete

from assessments.catalog import list_tracks
from assessments.model import Track
from assessments.policy import completion, completion_points
from lti_tool.credentials import issuing, jsonld, verify
from lti_tool.credentials.compiled_canonical import canonical_nquads
from lti_tool.credentials.document import evidence as credential_evidence
from lti_tool.db import transaction
from lti_tool.models import Credential, User, utcnow
from lti_tool.progress import TrackProgress

COUNT = 1_000
ISSUE_TARGET, VERIFY_TARGET = 100, 150


def seed(app, count: int) -> list[int]:
    """One registration with ``count`` learners; their user ids."""
    now = utcnow()
    with transaction(app) as session:
        registration = made_up_registration(session)
        conn = session.connection()
        conn.execute(
            User.__table__.insert(),
            [
                {
                    "registration_id": registration.id,
                    "sub": f"u{n}",
                    "name": f"Learner {n:04d}",
                    "updated_at": now,
                }
                for n in range(count)
            ],
        )
        return [row.id for row in conn.execute(User.__table__.select().order_by(User.id))]


def report(track: Track, rng: random.Random) -> TrackProgress:
    """A learner's completed track: 70 to 100% in each activity that counts."""
    scores: dict[str, float | None] = {
        activity.id: rng.randint(70, 100) / 100 for activity, _ in completion_points(track)
    }
    return TrackProgress(track, completion(track, scores), scores, frozenset())


class Phase:
    """Wall time, this process's CPU time and the machine's busy time of a ``with`` block."""

    def __enter__(self) -> Phase:
        self.wall, self.cpu = time.perf_counter(), time.process_time()
        self.busy = machine_busy_seconds()
        return self

    def __exit__(self, *exc: object) -> None:
        self.wall = time.perf_counter() - self.wall
        self.cpu = time.process_time() - self.cpu
        self.busy = machine_busy_seconds() - self.busy

    def report(self, name: str, count: int, target: int) -> str:
        other = max(0.0, self.busy - self.cpu) / (self.wall * (os.cpu_count() or 1))
        return (
            f"{name} {count}: {count / self.wall:,.0f}/s ({self.wall / count * 1000:.2f} ms "
            f"each; CPU {self.cpu / count * 1000:.2f} ms each; other load {other:.0%} of the "
            f"machine) (target ≥ {target}/s): {met(count / self.wall >= target)}"
        )


def bare_ed25519(count: int) -> tuple[float, float]:
    """Seconds per bare Ed25519 sign and per verify of 64 bytes (a proof's hash data)."""
    key = Ed25519PrivateKey.generate()
    public = key.public_key()
    data = os.urandom(64)
    signed, signatures = timed(lambda: [key.sign(data) for _ in range(count)])
    checked, _ = timed(lambda: [public.verify(signature, data) for signature in signatures])
    return signed / count, checked / count


def canonicalisation_cpu(document: dict, rounds: int = 200) -> tuple[float, float]:
    """CPU seconds per canonicalisation of ``document`` with Oxigraph and with PyLD alone,
    alternating one of each so that the machine's changing load falls on both alike."""
    unsecured = {key: value for key, value in document.items() if key != "proof"}
    spent = [0.0, 0.0]
    for _ in range(rounds):
        for alone in (False, True):
            jsonld.canonical_nquads = (lambda expanded: None) if alone else canonical_nquads
            start = time.process_time()
            jsonld.canonicalize(unsecured)
            spent[alone] += time.process_time() - start
    jsonld.canonical_nquads = canonical_nquads
    return spent[0] / rounds, spent[1] / rounds


def measure(database_url: str | None, count: int, profile: bool) -> list[str]:
    with tempfile.TemporaryDirectory() as tmp:
        app = in_process_app(tmp, database_url, base_url="https://skillcert.example.edu")
        gc.freeze()  # as lti_tool/wsgi.py does in a deployed worker
        settings = app.config["SETTINGS"]
        # The track with the most evidence entries: the largest credential.
        track = max(list_tracks(settings.tracks_dir), key=lambda t: len(completion_points(t)))
        rng = random.Random(8)
        users = seed(app, count)
        profiler = cProfile.Profile() if profile else None

        def issue_one(user_id: int) -> dict:
            with transaction(app) as session:
                user = session.get(User, user_id)
                evidence = credential_evidence(report(track, rng))
                award = issuing.new_award(user, track, utcnow(), evidence)
                return issuing.issue(session, settings, award).document

        def verify_one(document: dict) -> None:
            with transaction(app) as session:
                verdict = verify.verify(session, settings, document)
            assert verdict.verified, verdict.to_json()

        verify_one(issue_one(users[0]))  # warm: first key, first status list, caches
        if profiler:
            profiler.enable()
        with Phase() as issued:
            documents = [issue_one(user_id) for user_id in users[1:]]
        with Phase() as verified:
            for document in documents:
                verify_one(document)
        with transaction(app) as session:
            stored = session.query(Credential).count()
            session.execute(delete(Credential))
        with Phase() as checked:
            for document in documents:
                verify_one(document)
        jsonld.canonical_nquads = lambda expanded: None  # PyLD writes every canonical form
        try:
            with Phase() as pyld_only:
                for document in documents:
                    verify_one(document)
        finally:
            jsonld.canonical_nquads = canonical_nquads
        if profiler:
            profiler.disable()
        app.extensions["skillcert.engine"].dispose()

    n = len(documents)
    assert stored == n + 1, f"{stored} credentials stored, expected {n + 1}"
    sign, check = bare_ed25519(n)
    compiled, pyld_alone = canonicalisation_cpu(documents[0])
    issue_each, verify_each, check_each = issued.wall / n, verified.wall / n, checked.wall / n
    size = len(json.dumps(documents[0]))
    evidence = len(documents[0]["evidence"])
    lines = [
        f"track {track.id!r}: {evidence} evidence entries, {size / 1000:.0f} KB a credential",
        issued.report("issue ", n, ISSUE_TARGET),
        verified.report("verify, exact copies", n, VERIFY_TARGET),
        checked.report("verify, full check  ", n, VERIFY_TARGET),
        pyld_only.report("  the same, PyLD only", n, VERIFY_TARGET),
        f"  full check with Oxigraph / PyLD only: CPU {checked.cpu / pyld_only.cpu:.2f}x; "
        f"canonicalising one credential (alternating): {compiled * 1000:.2f} ms / "
        f"{pyld_alone * 1000:.2f} ms CPU = {compiled / pyld_alone:.2f}x",
        f"  baseline, bare Ed25519 of 64 bytes: sign {sign * 1e6:.0f} µs, "
        f"verify {check * 1e6:.0f} µs; ratio issue/sign {issue_each / sign:.0f}x, "
        f"verify/verify {verify_each / check:.0f}x (exact copies), "
        f"{check_each / check:.0f}x (full check)",
    ]
    if profiler:
        stats = pstats.Stats(profiler)
        stats.sort_stats("cumulative").print_stats(25)
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=COUNT, help="credentials to issue")
    add_database_option(parser)
    parser.add_argument("--profile", action="store_true", help="print the top functions")
    args = parser.parse_args(argv)
    with scratch_database(args.database) as url:
        lines = measure(url, args.count + 1, args.profile)
    print_results(args.database, lines)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
