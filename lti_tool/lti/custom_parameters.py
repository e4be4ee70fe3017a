"""The custom parameters SkillCert declares for every launch of the tool, in one place.

Dynamic Registration sends them as the tool configuration's ``custom_parameters``, Canvas's
developer-key JSON carries them as ``custom_fields``, and ``skillcert platform config``
lists them for the LMSs whose forms take custom parameters. Each is an LTI substitution
variable the LMS fills in at launch: the link and course history (course copy,
``lti_tool.lti.constants.HISTORY_PARAMETERS``) and the link's dates
(``lti_tool.lti.sync.DATE_PARAMETERS``, which Deep Linking also puts on each link it
places). Canvas also fills in the launching user's sections
(``lti_tool.lti.sections.SECTION_PARAMETERS``).
"""

from __future__ import annotations

from lti_tool.lti.constants import HISTORY_PARAMETERS
from lti_tool.lti.sections import SECTION_PARAMETERS
from lti_tool.lti.sync import DATE_PARAMETERS

#: Name -> substitution variable, for every LMS.
TOOL_CUSTOM_PARAMETERS: dict[str, str] = {**HISTORY_PARAMETERS, **DATE_PARAMETERS}


def tool_custom_parameters(preset: str) -> dict[str, str]:
    """The custom parameters to declare to an LMS of ``preset``'s family."""
    if preset == "canvas":
        return {**TOOL_CUSTOM_PARAMETERS, **SECTION_PARAMETERS}
    return dict(TOOL_CUSTOM_PARAMETERS)


def as_lines(parameters: dict[str, str]) -> list[str]:
    """``name=value`` lines, as Moodle's, Sakai's and Brightspace's forms take them."""
    return [f"{name}={value}" for name, value in parameters.items()]
