"""Assignment and Grade Services 2.0: line items, scores, results.

Thin typed wrappers over the spec's JSON (https://www.imsglobal.org/spec/lti-ags/v2p0):
:class:`LineItem`, :class:`Score` and :class:`Result` map camelCase members to fields, and
:class:`AgsClient` sends them with the spec's media types to the URLs the launch named.
Each call needs a scope the platform granted; one it did not grant fails before sending.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterator
from typing import Any, TypeGuard
from urllib.parse import urlsplit, urlunsplit

from lti_tool.deadlines import parse_moment
from lti_tool.lti.constants import (
    CANVAS_SUBMISSION_EXTENSION,
    ActivityProgress,
    AgsScope,
    GradingProgress,
    MediaType,
)
from lti_tool.services.errors import ServiceError
from lti_tool.services.http import MAX_PAGES, ServiceConnection, with_query


@dataclasses.dataclass(frozen=True)
class LineItem:
    """A gradebook column (AGS §3.2). ``id`` is its URL, None until the platform made it."""

    label: str
    score_maximum: float
    resource_link_id: str | None = None
    resource_id: str | None = None
    tag: str | None = None
    id: str | None = None
    #: When the line item starts and stops accepting submissions (AGS §3.2's
    #: ``startDateTime``/``endDateTime``).
    start: dt.datetime | None = None
    end: dt.datetime | None = None

    _MEMBERS = (
        ("label", "label"),
        ("score_maximum", "scoreMaximum"),
        ("resource_link_id", "resourceLinkId"),
        ("resource_id", "resourceId"),
        ("tag", "tag"),
        ("id", "id"),
    )

    @property
    def url(self) -> str:
        """The ``id`` of a line item the LMS sent: where it keeps the item."""
        if self.id is None:
            raise ValueError("A line item the LMS has not made yet has no URL.")
        return self.id

    def to_json(self) -> dict[str, Any]:
        data = {
            member: getattr(self, field)
            for field, member in self._MEMBERS
            if getattr(self, field) is not None
        }
        if self.start is not None:
            data["startDateTime"] = _iso(self.start)
        if self.end is not None:
            data["endDateTime"] = _iso(self.end)
        return data

    @classmethod
    def from_json(cls, data: Any) -> LineItem:
        if not isinstance(data, dict) or not isinstance(data.get("id"), str):
            raise ServiceError("The LMS sent a line item without an id.")
        score_maximum = data.get("scoreMaximum")
        return cls(
            label=str(data.get("label", "")),
            score_maximum=float(score_maximum) if _is_number(score_maximum) else 0.0,
            resource_link_id=_optional_str(data.get("resourceLinkId")),
            resource_id=_optional_str(data.get("resourceId")),
            tag=_optional_str(data.get("tag")),
            id=data["id"],
            start=_optional_moment(data.get("startDateTime")),
            end=_optional_moment(data.get("endDateTime")),
        )


@dataclasses.dataclass(frozen=True)
class CanvasSubmission:
    """Canvas's score extension: the submission the score belongs to."""

    submitted_at: dt.datetime
    #: True makes Canvas record a new submission (a new attempt), not just a grade.
    new_submission: bool = True

    def to_json(self) -> dict[str, Any]:
        return {"new_submission": self.new_submission, "submitted_at": _iso(self.submitted_at)}


@dataclasses.dataclass(frozen=True)
class Score:
    """A learner's score on a line item (AGS §3.4)."""

    user_id: str
    activity_progress: ActivityProgress
    grading_progress: GradingProgress
    timestamp: dt.datetime
    score_given: float | None = None
    score_maximum: float | None = None
    comment: str | None = None
    #: Sent only to Canvas (see :meth:`AgsClient.post_score`).
    canvas_submission: CanvasSubmission | None = None

    def to_json(self, canvas: bool = False) -> dict[str, Any]:
        if (self.score_given is None) != (self.score_maximum is None):
            raise ValueError("A score needs both scoreGiven and scoreMaximum, or neither.")
        data: dict[str, Any] = {
            "userId": self.user_id,
            "activityProgress": str(self.activity_progress),
            "gradingProgress": str(self.grading_progress),
            "timestamp": _iso(self.timestamp),
        }
        if self.score_given is not None:
            data["scoreGiven"] = self.score_given
            data["scoreMaximum"] = self.score_maximum
        if self.comment is not None:
            data["comment"] = self.comment
        if canvas and self.canvas_submission is not None:
            data[CANVAS_SUBMISSION_EXTENSION] = self.canvas_submission.to_json()
        return data


@dataclasses.dataclass(frozen=True)
class Result:
    """What the platform's gradebook holds for one learner on a line item (AGS §3.3)."""

    user_id: str
    result_score: float | None
    result_maximum: float | None
    comment: str | None

    @classmethod
    def from_json(cls, data: Any) -> Result:
        if not isinstance(data, dict) or not isinstance(data.get("userId"), str):
            raise ServiceError("The LMS sent a result without a userId.")
        score, maximum = data.get("resultScore"), data.get("resultMaximum")
        return cls(
            user_id=data["userId"],
            result_score=float(score) if _is_number(score) else None,
            result_maximum=float(maximum) if _is_number(maximum) else None,
            comment=_optional_str(data.get("comment")),
        )


def service_url(lineitem_url: str, service: str) -> str:
    """``/scores`` or ``/results`` of a line item, inserted before any query (Moodle)."""
    parts = urlsplit(lineitem_url)
    path = parts.path.rstrip("/") + "/" + service
    return urlunsplit((parts.scheme, parts.netloc, path, parts.query, ""))


class AgsClient:
    """AGS calls for one context; built by :func:`lti_tool.services.clients.ags_client`."""

    def __init__(
        self, connection: ServiceConnection, lineitems_url: str | None, *, canvas: bool = False
    ) -> None:
        self._connection = connection
        self.lineitems_url = lineitems_url
        #: The platform is Canvas: scores carry its submission extension.
        self.canvas = canvas

    def _require(self, *scopes: AgsScope) -> None:
        if not self._connection.scopes.intersection(scopes):
            raise ServiceError(
                f"The LMS did not grant SkillCert the AGS scope {scopes[0]} in this course.",
            )

    def _container(self) -> str:
        if not self.lineitems_url:
            raise ServiceError("The LMS did not give SkillCert a line item container URL.")
        return self.lineitems_url

    # -- line items ------------------------------------------------------------------------

    def line_items(
        self,
        *,
        resource_link_id: str | None = None,
        resource_id: str | None = None,
        tag: str | None = None,
        limit: int | None = None,
        max_pages: int = MAX_PAGES,
    ) -> list[LineItem]:
        """Every line item of the context (filtered as asked), across all pages."""
        self._require(AgsScope.LINEITEM, AgsScope.LINEITEM_READONLY)
        url = with_query(
            self._container(),
            {
                "resource_link_id": resource_link_id,
                "resource_id": resource_id,
                "tag": tag,
                "limit": limit,
            },
        )
        items: list[LineItem] = []
        for answer in self._connection.pages(
            url,
            what="Reading line items",
            accept=MediaType.LINEITEM_CONTAINER,
            max_pages=max_pages,
        ):
            page = answer.json()
            if not isinstance(page, list):
                raise ServiceError("The LMS's line item container is not a JSON array.")
            items.extend(LineItem.from_json(item) for item in page)
        return items

    def find_line_item(
        self,
        *,
        resource_link_id: str | None = None,
        resource_id: str | None = None,
        tag: str | None = None,
    ) -> LineItem | None:
        """The first line item matching every given filter, or None.

        The filters are also checked here: some platforms ignore a query parameter and
        return the whole container.
        """
        wanted = {"resource_link_id": resource_link_id, "resource_id": resource_id, "tag": tag}
        listed = self.line_items(
            resource_link_id=resource_link_id, resource_id=resource_id, tag=tag
        )
        for item in listed:
            if all(value is None or getattr(item, f) == value for f, value in wanted.items()):
                return item
        return None

    def get_line_item(self, url: str) -> LineItem:
        self._require(AgsScope.LINEITEM, AgsScope.LINEITEM_READONLY)
        answer = self._connection.request(
            "GET", url, what="Reading a line item", accept=MediaType.LINEITEM
        )
        return LineItem.from_json(answer.json())

    def create_line_item(self, item: LineItem) -> LineItem:
        self._require(AgsScope.LINEITEM)
        answer = self._connection.request(
            "POST",
            self._container(),
            what="Creating a line item",
            accept=MediaType.LINEITEM,
            content_type=MediaType.LINEITEM,
            document=dataclasses.replace(item, id=None).to_json(),
        )
        return LineItem.from_json(answer.json())

    def update_line_item(self, item: LineItem) -> LineItem:
        """Replace the line item's label and score maximum (PUT sends the whole item)."""
        self._require(AgsScope.LINEITEM)
        if item.id is None:
            raise ValueError("Only a line item the LMS made (with an id) can be updated.")
        answer = self._connection.request(
            "PUT",
            item.id,
            what="Updating a line item",
            accept=MediaType.LINEITEM,
            content_type=MediaType.LINEITEM,
            document=item.to_json(),
        )
        return LineItem.from_json(answer.json())

    def delete_line_item(self, url: str) -> None:
        self._require(AgsScope.LINEITEM)
        self._connection.request("DELETE", url, what="Deleting a line item")

    # -- scores and results ----------------------------------------------------------------

    def post_score(self, lineitem_url: str, score: Score) -> int:
        """Send the score; the LMS's HTTP status (200, 201 or 204 as platforms differ)."""
        self._require(AgsScope.SCORE)
        return self._connection.request(
            "POST",
            service_url(lineitem_url, "scores"),
            what="Sending a score",
            content_type=MediaType.SCORE,
            document=score.to_json(canvas=self.canvas),
        ).status

    def results(
        self, lineitem_url: str, *, user_id: str | None = None, max_pages: int = MAX_PAGES
    ) -> Iterator[Result]:
        """What the platform's gradebook holds for the line item, page by page."""
        self._require(AgsScope.RESULT_READONLY)
        url = with_query(service_url(lineitem_url, "results"), {"user_id": user_id})
        for answer in self._connection.pages(
            url, what="Reading results", accept=MediaType.RESULT_CONTAINER, max_pages=max_pages
        ):
            page = answer.json()
            if not isinstance(page, list):
                raise ServiceError("The LMS's result container is not a JSON array.")
            yield from (Result.from_json(result) for result in page)


def _iso(moment: dt.datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError("AGS timestamps need a time zone.")
    return moment.isoformat(timespec="milliseconds")


def _is_number(value: Any) -> TypeGuard[int | float]:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _optional_str(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _optional_moment(value: Any) -> dt.datetime | None:
    """An ISO 8601 date and time the LMS sent; None when absent or unreadable (a line
    item with a date we cannot read is still the line item)."""
    return parse_moment(value) if isinstance(value, str) else None
