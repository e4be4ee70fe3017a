"""Reports on loaded tracks: counts and balance per track, and competency coverage."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from assessments import effort, policy
from assessments.model import Activity, ActivityKind, Track


def summarise(tracks: Iterable[Track]) -> list[dict[str, Any]]:
    """Per track: counts and balance; this is ``skillcert content list --json``.

    ``practical_share`` is ``policy.practical_share`` (see ``policy.completion_points`` for
    which points count), rounded to 3 places.
    """
    rows = []
    for track in tracks:
        activities = list(track.activities())

        def count(kind: ActivityKind, activities: list[Activity] = activities) -> int:
            return sum(1 for a in activities if a.kind is kind)

        renewal = track.renewal
        rows.append(
            {
                "id": track.id,
                "version": str(track.version),
                "title": track.title,
                "extends": track.extends,
                "modules": len(track.modules),
                "lessons": count(ActivityKind.LESSON),
                "items": sum(len(a.items) for a in activities),
                "labs": count(ActivityKind.LAB),
                "scenarios": count(ActivityKind.SCENARIO),
                "projects": count(ActivityKind.PROJECT),
                "quizzes": count(ActivityKind.QUIZ),
                "exams": count(ActivityKind.EXAM),
                "competencies": len(track.competencies),
                "practical_share": round(policy.practical_share(track), 3),
                "competencies_with_fewer_than_two_kinds": _thinly_assessed(track, activities),
                "renewal_modules": len(renewal.modules) if renewal else 0,
                "renewal_credits_required": renewal.credits_required if renewal else None,
                "estimated_hours": round(sum(map(effort.minutes, activities)) / 60, 1),
                "claims": len(track.claims),
            }
        )
    return rows


def _thinly_assessed(track: Track, activities: list[Activity]) -> list[str]:
    """Competencies assessed by fewer than two distinct activity kinds (quiz and exam are
    two kinds): one kind of evidence alone is too narrow to certify a competency on."""
    kinds: dict[str, set[ActivityKind]] = {c.id: set() for c in track.competencies}
    for activity in activities:
        for competency in activity.aligned_competencies:
            kinds[competency].add(activity.kind)
    return [competency for competency, found in kinds.items() if len(found) < 2]


def coverage_markdown(track: Track) -> str:
    """A Markdown table of the track's competencies and the activity kinds that assess them,
    summative and practice apart (``skillcert content coverage``; docs/tracks.md holds it)."""
    # id → (summative, practice) counts per activity kind
    kinds: dict[str, tuple[dict[ActivityKind, int], dict[ActivityKind, int]]] = {
        c.id: ({}, {}) for c in track.competencies
    }
    for activity in track.activities():
        if not activity.kind.is_assessed:
            continue
        side = 0 if policy.counts_toward_completion(activity) else 1
        for competency in activity.aligned_competencies:
            counted = kinds[competency][side]
            counted[activity.kind] = counted.get(activity.kind, 0) + 1

    def listed(counts: dict[ActivityKind, int]) -> str:
        return ", ".join(f"{kind.value} ({n})" for kind, n in sorted(counts.items())) or "—"

    rows = [
        "| Competency | Assessed by (counts toward the credential) | Practised in |",
        "|---|---|---|",
        *(
            f"| `{c.id}` {c.title} | {listed(kinds[c.id][0])} | {listed(kinds[c.id][1])} |"
            for c in track.competencies
        ),
    ]
    return "\n".join(rows)
