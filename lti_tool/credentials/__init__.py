"""Verifiable credentials: Open Badges 3.0, signed with eddsa-rdfc-2022, issued by did:web.

- ``issuing``: build, sign and store a credential; queue issuing on track completion;
  manual issuing and revocation (the CLI and the worker call the same functions).
- ``proofs`` (Data Integrity, one function per spec step) over ``jsonld`` (PyLD with the
  bundled contexts only) and ``multibase``.
- ``keys``: the issuer's did:web and its Ed25519 keys, rotation.
- ``statuslist``: Bitstring Status List revocation.
- ``verify``: a verdict with a reason per check; ``views``: the public endpoints.
- ``renewal``: continuing-education credits since a credential's validFrom;
  ``wallet`` (``wallet_views``): the learner's credentials page and choices;
  ``reminders``: expiry reminders by email; ``admin_views``: the LMS administrator's
  revoke page.
"""

from __future__ import annotations

from flask import Flask

from lti_tool.credentials.issuing import JOB_KIND, issue_on_completion
from lti_tool.jobs.worker import register_handler


def init_app(app: Flask) -> None:
    from lti_tool.credentials import admin_views, views, wallet_views

    app.register_blueprint(views.bp)
    app.register_blueprint(wallet_views.bp)
    app.register_blueprint(admin_views.bp)
    register_handler(app, JOB_KIND, issue_on_completion)
