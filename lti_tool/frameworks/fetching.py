"""Fetching a framework package from a URL, through the same outbound checks as every call
SkillCert makes (``lti_tool.outbound``): https only in production, no private addresses
unless allow-listed, redirects checked, bounded in time, and read in a stream that stops
past ``MAX_BYTES``. The answer then goes through the same checks as an uploaded file.
"""

from __future__ import annotations

import dataclasses

from flask_babel import gettext

from lti_tool import outbound
from lti_tool.frameworks.reading import MAX_BYTES, FrameworkFileError, read_document
from lti_tool.frameworks.structure import Package
from lti_tool.settings import Settings
from lti_tool.uploads import MiB


def fetch_package(settings: Settings, url: str) -> Package:
    """The framework at ``url``; raises :class:`FrameworkFileError` saying what failed."""
    # The package may be larger than an LMS's answers: the same checks, this size limit.
    limits = dataclasses.replace(settings, http_max_response_bytes=MAX_BYTES)
    with outbound.make_http_session(settings) as http:
        try:
            found = outbound.fetch_json(http, url, limits)
        except (outbound.OutboundError, RecursionError) as exc:  # too deep a JSON: recursion
            raise FrameworkFileError(
                [
                    gettext(
                        "The framework could not be fetched from %(url)s (%(reason)s). Give "
                        "the https address of the package's JSON, on a public server, at most "
                        "%(limit)s MB, or upload the file instead.",
                        url=outbound.safe_url(url),
                        reason=str(exc)[:300],
                        limit=MAX_BYTES // MiB,
                    )
                ]
            ) from exc
    return read_document(found)
