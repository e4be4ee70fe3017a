"""How long an activity takes a learner: the author's ``minutes``, or an estimate by kind.

Certification schemes state learning hours (ISTE's Certification for Educators asks for
about 40 hours of online learning plus about 40 hours on a portfolio, per iste.org's
"About ISTE Certification" page, checked 2026-12-06), so ``content list`` reports each
track's estimated hours. The defaults are deliberately plain so an author can see why a
number came out as it did.
"""

from __future__ import annotations

import functools
import math
import re

from assessments.model import Activity, ActivityKind

#: Words a learner reads per minute in study (slower than leisure reading).
READING_WORDS_PER_MINUTE = 180
#: Minutes per question shown in a quiz or exam.
MINUTES_PER_QUESTION = 1.5
#: Minutes for practical work beyond reading its brief.
PRACTICAL_MINUTES = {ActivityKind.LAB: 45, ActivityKind.SCENARIO: 20, ActivityKind.PROJECT: 180}

_TAG = re.compile(r"<[^>]+>")


def minutes(activity: Activity) -> int:
    """The author's ``minutes``, else reading the body plus the kind's own work."""
    if activity.minutes is not None:
        return activity.minutes
    words = _words(activity.body_html)
    shown = activity.pool.draw if activity.pool is not None else len(activity.items)
    work = PRACTICAL_MINUTES.get(activity.kind, 0) + MINUTES_PER_QUESTION * shown
    return max(1, math.ceil(words / READING_WORDS_PER_MINUTE + work))


#: Loaded content never changes in a process, and the learner's landing page estimates every
#: activity on each request: counting a body's words once saves most of that page's CPU.
@functools.lru_cache(maxsize=4096)
def _words(body_html: str) -> int:
    return len(_TAG.sub(" ", body_html).split())
