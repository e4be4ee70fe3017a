"""Verifiable credentials: Open Badges 3.0, signed with eddsa-rdfc-2022, issued by did:web.

- ``document``: the Open Badges 3.0 document: identifiers, achievement, evidence;
- ``issuing``: sign and store a credential, renew, revoke (the CLI, the administrator's
  page and the worker call the same functions);
- ``completion``: queue issuing or renewal when a learner's work completes a track, and
  the job that does it.
- ``proofs`` (Data Integrity, one function per spec step) over ``jsonld`` (PyLD with the
  bundled contexts only) and ``multibase``.
- ``keys``: the issuer's did:web and its Ed25519 keys, rotation.
- ``statuslist``: Bitstring Status List revocation.
- ``verify``: a verdict with a reason per check (``views/public.py`` serves it).
- ``renewal``: continuing-education credits since a credential's validFrom;
  ``wallet``: the learner's credentials and choices; ``reminders``: expiry reminders by
  email; ``administration``: the LMS administrator's listing.
"""

from __future__ import annotations

from flask import Flask

from lti_tool.credentials.completion import JOB_KIND, issue_on_completion
from lti_tool.jobs.worker import register_handler


def init_app(app: Flask) -> None:
    register_handler(app, JOB_KIND, issue_on_completion)
