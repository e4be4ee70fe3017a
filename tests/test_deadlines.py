"""The one deadline rule (``lti_tool.deadlines``): a target date wins over the LMS's due
date, and only staff of the link's deployment (or course) can set it."""

from __future__ import annotations

import datetime as dt

from flask import Flask

from lti_tool.db import transaction
from lti_tool.deadlines import deadline, is_overdue, set_target_date
from lti_tool.models import Context, Deployment, Registration, ResourceLink

LMS_DUE = dt.datetime(2026, 12, 10, 17, 0, tzinfo=dt.UTC)


def _links(app: Flask) -> dict[str, int]:
    """Two deployments of one registration, two courses in the first: a link in each."""
    with transaction(app) as session:
        registration = Registration(
            name="District LMS",
            issuer="https://lms.example.test",
            client_id="tool",
            auth_login_url="https://lms.example.test/auth",
            auth_token_url="https://lms.example.test/token",
        )
        ours, theirs = Deployment(deployment_id="d1"), Deployment(deployment_id="d2")
        registration.deployments = [ours, theirs]
        session.add(registration)
        session.flush()
        links = {}
        for name, deployment in (("north", ours), ("south", ours), ("other", theirs)):
            context = Context(deployment_id=deployment.id, context_id=name)
            session.add(context)
            session.flush()
            link = ResourceLink(context_id=context.id, resource_link_id="l", due_at=LMS_DUE)
            session.add(link)
            session.flush()
            links[name] = link.id
            links[f"{name}-context"] = context.id
        links["deployment"] = ours.id
    return links


def _link(app: Flask, link_id: int) -> ResourceLink:
    with transaction(app) as session:
        link = session.get_one(ResourceLink, link_id)
        session.expunge(link)
        return link


def test_the_lms_due_date_counts_until_a_target_is_set(app: Flask) -> None:
    links = _links(app)
    link = _link(app, links["north"])
    assert deadline(link) == LMS_DUE
    assert not is_overdue(link, done=False, now=LMS_DUE)
    assert is_overdue(link, done=False, now=LMS_DUE + dt.timedelta(seconds=1))
    assert not is_overdue(link, done=True, now=LMS_DUE + dt.timedelta(days=9))

    with transaction(app) as session:
        assert set_target_date(
            session,
            deployment_id=links["deployment"],
            resource_link_id=links["north"],
            target=dt.date(2026, 12, 20),
        )
    link = _link(app, links["north"])
    # The target wins, even though it is later than the LMS's date, and lasts all day.
    assert deadline(link) == dt.datetime(2026, 12, 20, 23, 59, 59, 999999, tzinfo=dt.UTC)
    assert not is_overdue(link, done=False, now=dt.datetime(2026, 12, 20, 23, 0, tzinfo=dt.UTC))
    assert is_overdue(link, done=False, now=dt.datetime(2026, 12, 21, tzinfo=dt.UTC))

    with transaction(app) as session:
        assert set_target_date(
            session, deployment_id=links["deployment"], resource_link_id=links["north"], target=None
        )
    assert deadline(_link(app, links["north"])) == LMS_DUE


def test_no_link_without_dates_is_ever_overdue(app: Flask) -> None:
    link = ResourceLink(context_id=1, resource_link_id="x")
    assert deadline(link) is None
    assert not is_overdue(link, done=False, now=dt.datetime(2100, 1, 1, tzinfo=dt.UTC))


def test_a_target_date_is_set_only_inside_the_deployment_and_course(app: Flask) -> None:
    links = _links(app)
    target = dt.date(2026, 12, 1)
    with transaction(app) as session:
        # Another deployment's link: refused, whatever the id.
        assert not set_target_date(
            session,
            deployment_id=links["deployment"],
            resource_link_id=links["other"],
            target=target,
        )
        # A course's staff reach their own course only.
        assert not set_target_date(
            session,
            deployment_id=links["deployment"],
            resource_link_id=links["south"],
            target=target,
            context_id=links["north-context"],
        )
        assert set_target_date(
            session,
            deployment_id=links["deployment"],
            resource_link_id=links["north"],
            target=target,
            context_id=links["north-context"],
        )
    assert _link(app, links["other"]).target_date is None
    assert _link(app, links["south"]).target_date is None
    assert _link(app, links["north"]).target_date == target
