"""The launch path's SQL, in one place: Core statements built once, run on the session's connection.

Login and launch are the hottest requests (a class starting an exam at once). Building a
statement per request and loading ORM objects costs more CPU than verifying the token,
so these statements are module constants with bind parameters: each execution is a
compiled-cache lookup, and results are plain rows.
"""

from __future__ import annotations

from sqlalchemy import and_, bindparam, delete, func, insert, select

from lti_tool.models import (
    ConsumedNonce,
    Context,
    Deployment,
    Launch,
    LoginState,
    Registration,
    ResourceLink,
    User,
)

_registration = Registration.__table__
_deployment = Deployment.__table__
_login_state = LoginState.__table__
_nonce = ConsumedNonce.__table__
_launch = Launch.__table__

#: The active registration of an issuer and client_id.
REGISTRATION = select(_registration).where(
    _registration.c.issuer == bindparam("issuer"),
    _registration.c.client_id == bindparam("client_id"),
    _registration.c.is_active,
)

#: An issuer's active registrations (two at most: one means "the only one").
REGISTRATIONS_OF_ISSUER = (
    select(_registration)
    .where(_registration.c.issuer == bindparam("issuer"), _registration.c.is_active)
    .limit(2)
)

#: A launch's tenant in one query: the active registration of an issuer and client_id,
#: with its deployment ``deployment_id`` (deployment_pk, deployment_active and
#: deployment_pending_since are None when the registration has no such deployment).
TENANT = (
    select(
        _registration,
        _deployment.c.id.label("deployment_pk"),
        _deployment.c.is_active.label("deployment_active"),
        _deployment.c.pending_since.label("deployment_pending_since"),
    )
    .outerjoin(
        _deployment,
        and_(
            _deployment.c.registration_id == _registration.c.id,
            _deployment.c.deployment_id == bindparam("deployment_id"),
        ),
    )
    .where(
        _registration.c.issuer == bindparam("issuer"),
        _registration.c.client_id == bindparam("client_id"),
        _registration.c.is_active,
    )
)

#: A registration's deployment by the platform's deployment_id.
DEPLOYMENT = select(_deployment).where(
    _deployment.c.registration_id == bindparam("registration_id"),
    _deployment.c.deployment_id == bindparam("deployment_id"),
)

#: How many of a registration's deployments wait for an operator to enable them.
PENDING_DEPLOYMENT_COUNT = (
    select(func.count())
    .select_from(_deployment)
    .where(
        _deployment.c.registration_id == bindparam("registration_id"),
        _deployment.c.pending_since.is_not(None),
    )
)

INSERT_LOGIN_STATE = insert(_login_state)

#: Delete a client's login states beyond its newest ``keep`` (the oldest go first).
TRIM_CLIENT_LOGIN_STATES = delete(_login_state).where(
    _login_state.c.state.in_(
        select(_login_state.c.state)
        .where(_login_state.c.client_hash == bindparam("client_hash"))
        .order_by(_login_state.c.expires_at.desc(), _login_state.c.state.desc())
        .offset(bindparam("keep"))
        # Concurrent logins from one address trim the same rows: on PostgreSQL each skips
        # the rows another is deleting instead of deadlocking on them (SQLite: one writer).
        .with_for_update(skip_locked=True)
    )
)

#: Consume a login: delete its state and return it (only one of two racing launches gets it).
TAKE_LOGIN_STATE = (
    delete(_login_state).where(_login_state.c.state == bindparam("state")).returning(_login_state)
)

INSERT_NONCE = insert(_nonce)

NONCE_USED = select(_nonce.c.nonce).where(
    _nonce.c.registration_id == bindparam("registration_id"),
    _nonce.c.nonce == bindparam("nonce"),
)

INSERT_LAUNCH = insert(_launch)

#: Exchange a one-time hand-off session (see the launch view) for a real one.
TAKE_LAUNCH = (
    delete(_launch)
    .where(_launch.c.id == bindparam("id"), _launch.c.expires_at > bindparam("now"))
    .returning(_launch)
)

#: A live launch session with the names its pages show.
LAUNCH_SESSION = (
    select(
        _launch,
        User.__table__.c.name.label("user_name"),
        Context.__table__.c.title.label("context_title"),
        ResourceLink.__table__.c.title.label("resource_link_title"),
        ResourceLink.__table__.c.target.label("resource_link_target"),
        _registration.c.name.label("platform_name"),
    )
    .join(User.__table__, User.__table__.c.id == _launch.c.user_id)
    .join(_registration, _registration.c.id == _launch.c.registration_id)
    .outerjoin(Context.__table__, Context.__table__.c.id == _launch.c.context_id)
    .outerjoin(ResourceLink.__table__, ResourceLink.__table__.c.id == _launch.c.resource_link_id)
    .where(_launch.c.id == bindparam("id"), _launch.c.expires_at > bindparam("now"))
)
