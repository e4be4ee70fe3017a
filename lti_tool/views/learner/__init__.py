"""The learner's pages under ``/learn``: tracks, activities, attempts, labs, credentials.

Each module adds its routes to the one ``learner`` blueprint (``base.bp``); importing
them here registers them.
"""

from lti_tool.views.learner import activities, attempts, labs, overview, privacy, wallet
from lti_tool.views.learner.base import bp

__all__ = ["activities", "attempts", "bp", "labs", "overview", "privacy", "wallet"]
