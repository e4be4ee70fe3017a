"""Where each learner's credential for each placed track stands, for the reports.

The newest credential of a (learner, track) speaks for it: it is the one a renewal or a
re-issue continues (``Credential.period``). Its standing is worded for renewal: renewed
(it continues an earlier one), expiring soon (within ``EXPIRING_DAYS``),
expired, revoked, or simply active.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Collection

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from lti_tool.models import Context, Credential, CredentialState, Membership
from lti_tool.reports.scope import Reach, learners_condition

#: A credential expiring within this many days is "expiring soon" (the wallet's reminders
#: start earlier, at 180 days; a report counts the ones that need action now).
EXPIRING_DAYS = 90


class Standing(enum.StrEnum):
    ACTIVE = "active"
    EXPIRING = "expiring"  #: active, expires within EXPIRING_DAYS
    RENEWED = "renewed"  #: active, continues an earlier credential
    EXPIRED = "expired"
    REVOKED = "revoked"


WORDS = {
    Standing.ACTIVE: _l("active"),
    Standing.EXPIRING: _l("expiring soon"),
    Standing.RENEWED: _l("renewed"),
    Standing.EXPIRED: _l("expired"),
    Standing.REVOKED: _l("revoked"),
}


def standing(
    state: CredentialState, valid_until: dt.datetime, renews: bool, now: dt.datetime
) -> Standing:
    if state is CredentialState.REVOKED:
        return Standing.REVOKED
    if now >= valid_until:
        return Standing.EXPIRED
    if valid_until - now <= dt.timedelta(days=EXPIRING_DAYS):
        return Standing.EXPIRING
    return Standing.RENEWED if renews else Standing.ACTIVE


def held(
    session: Session, reach: Reach, track_ids: Collection[str], now: dt.datetime
) -> dict[int, dict[str, Standing]]:
    """Learner → track → the standing of the learner's newest credential for the track,
    for the learners in reach and the tracks given."""
    if not track_ids:
        return {}
    learners = (
        select(Membership.user_id)
        .join(Context, Context.id == Membership.context_id)
        .where(reach.contexts(), *learners_condition())
    )
    rows = session.connection().execute(
        select(
            Credential.user_id,
            Credential.track_id,
            Credential.state,
            Credential.valid_until,
            Credential.previous_id,
        )
        .where(
            Credential.registration_id == reach.registration_id,
            Credential.track_id.in_(sorted(track_ids)),
            Credential.user_id.in_(learners),
        )
        .order_by(Credential.period)
    )
    found: dict[int, dict[str, Standing]] = {}
    for user_id, track_id, state, valid_until, previous_id in rows.all():  # newest last: it wins
        found.setdefault(user_id, {})[track_id] = standing(
            state, valid_until, previous_id is not None, now
        )
    return found
