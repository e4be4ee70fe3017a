"""The operator console under ``/operator``, for the people who host SkillCert.

Each module adds its routes to the one ``operator`` blueprint (``access.bp``); importing
them here registers them.
"""

from lti_tool.views.operator.access import bp

__all__ = ["bp"]
