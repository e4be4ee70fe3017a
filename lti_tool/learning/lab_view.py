"""A lab submission as the learner saw it, for the instructor's pages: the tests as shown
(hidden ones numbered, without their names or output), the result worded in the page's
language, and the staff output, which the learner never sees, kept apart."""

from __future__ import annotations

import dataclasses
import itertools

from assessments.labs.results import LabResult, TestResult, Visibility
from lti_tool.i18n import lab_words
from lti_tool.models import LabSubmission


@dataclasses.dataclass(frozen=True)
class LabRun:
    """A lab submission with its result as the learner saw it (``for_learner()``), and the
    staff output, which the learner never sees, kept apart."""

    submission: LabSubmission
    #: each test as shown, with its number among the hidden tests (None: a visible test)
    tests: tuple[tuple[TestResult, int | None], ...] = ()
    #: the result in a sentence of the page's language (``lab_words.summary``)
    summary: str = ""
    format_errors: tuple[str, ...] = ()
    #: what the learner's program wrote to its error output, as the learner saw it
    error_output: str = ""
    staff_output: str = ""


def lab_run(submission: LabSubmission) -> LabRun:
    if not isinstance(submission.result, dict):
        return LabRun(submission)
    try:
        full = LabResult.from_dict(submission.result)
    except (KeyError, TypeError, ValueError):
        return LabRun(submission)
    shown = full.for_learner()
    hidden = itertools.count(1)
    tests = [(t, next(hidden) if t.visibility is Visibility.HIDDEN else None) for t in shown.tests]
    return LabRun(
        submission,
        tuple(tests),
        lab_words.summary(shown),
        shown.format_errors,
        lab_words.error_output(shown),
        full.staff_output,
    )
