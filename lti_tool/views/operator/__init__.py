"""The operator console under ``/operator``, for the people who host SkillCert.

Each module adds its routes to the one ``operator`` blueprint (``access.bp``); importing
them here registers them.
"""

from lti_tool.views.operator import (  # noqa: F401 (each registers its routes)
    audit_log,
    credentials,
    health,
    keys,
    registration_form,
    registrations,
    setup,
    sign_in,
)
from lti_tool.views.operator.access import bp

__all__ = ["bp"]
