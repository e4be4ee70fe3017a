"""The instructor's pages under ``/teach``, always scoped to the launch's deployment and
context: the course, the gradebook, grading, grade sync, Deep Linking, item analysis,
competencies.

Each module adds its routes to the one ``instructor`` blueprint (``base.bp``); importing
them here registers them.
"""

from lti_tool.views.instructor import (
    analysis,
    competencies,
    course,
    deep_linking,
    grade_sync,
    gradebook,
    grading,
)
from lti_tool.views.instructor.base import bp

__all__ = [
    "analysis",
    "bp",
    "competencies",
    "course",
    "deep_linking",
    "grade_sync",
    "gradebook",
    "grading",
]
