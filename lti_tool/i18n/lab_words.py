"""A lab result worded in the UI language, from the result's data.

The grader (``assessments.labs.runner``) stores an English ``message`` with each result, for
the CLI and the logs. Pages word the result again here through gettext — from its status,
its tests and its format errors — as ``engine_words`` does for the engine's other reasons.
Only the learner's program's own error output, which the runner appends to a graded
result's message, is taken from the message; pages show it as code.
"""

from __future__ import annotations

from flask_babel import LazyString, gettext, ngettext
from flask_babel import lazy_gettext as _l

from assessments.labs.results import LabResult, ResultStatus, TestStatus

#: How each test ended, as the lab page's results table says it.
TEST_STATUSES: dict[TestStatus, LazyString] = {
    TestStatus.PASSED: _l("Passed"),
    TestStatus.FAILED: _l("Failed"),
    TestStatus.ERROR: _l("Raised an error"),
    TestStatus.TIMEOUT: _l("Ran out of time"),
    TestStatus.RESOURCE_LIMIT: _l("Went over a resource limit"),
    TestStatus.NOT_RUN: _l("Not run"),
}

#: What the runner writes before the program's error output in a graded result's message
#: (``assessments/labs/runner.py``; a test keeps the two in step).
ERROR_OUTPUT_MARKER = "\n\nYour program's error output:\n"


def summary(result: LabResult) -> str:
    """The result in one sentence: tests passed, or why nothing was graded."""
    match result.status:
        case ResultStatus.GRADED:
            passed = sum(test.status is TestStatus.PASSED for test in result.tests)
            return ngettext(
                "%(passed)d of %(num)d test passed.",
                "%(passed)d of %(num)d tests passed.",
                len(result.tests),
                passed=passed,
            )
        case ResultStatus.NOT_GRADABLE:
            return gettext(
                "Your submission could not be graded; fix these problems and submit again "
                "(this attempt does not count):"
            )
        case ResultStatus.SANDBOX_UNAVAILABLE:
            return gettext(
                "Labs cannot be graded right now; your submission is kept and will be graded "
                "once the service is fixed."
            )
        case ResultStatus.INTERNAL_ERROR:
            return gettext(
                "Your submission could not be graded because of a problem on our side; it "
                "does not count against you, and your instructor has been told."
            )


def error_output(result: LabResult) -> str:
    """What the learner's program wrote to its error output, when the result shows it."""
    if result.status is not ResultStatus.GRADED:
        return ""
    _, found, output = result.message.partition(ERROR_OUTPUT_MARKER)
    return output if found else ""
