"""The LMS administrator's pages under ``/admin``: this tenant's credentials, learners' data
and, for institution and system administrators, the institution's competency frameworks.

Only a launch with the Administrator role (institution, system or course administrator,
``lti_tool/lti/roles.py``) may see them. Each module adds its routes to the one ``admin``
blueprint (``base.bp``); importing them here registers them.
"""

from lti_tool.views.admin import credentials, frameworks, privacy, reports
from lti_tool.views.admin.base import bp

__all__ = ["bp", "credentials", "frameworks", "privacy", "reports"]
