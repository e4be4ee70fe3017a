"""What the CASE schema cannot check in a package: unique identifiers, statements, where
associations point, the item tree, and what fits the database.

Runs on a package that passed the CFPackage schema, in time linear in its size.

Associations: a ``CFPckgAssociation`` links "two CFDocuments or two CFItems" (the schema's
words), and its ends are ``LinkGenURI`` links whose ``identifier`` "may or may not be a
UUID" and whose ``targetType`` (new in 1.1) says the target "MAY NOT be a CASE Framework"
(vendored CASE 1.1 schema, checked 2026-12-06). So an end may lie outside the package — a
crosswalk to another framework; SkillCert's own export links shared competencies across
tracks that way — but an association with neither end in this package belongs to another
framework, and is refused. The tree comes from ``isChildOf`` (origin the child,
destination the parent: the document or another item of the package); an item with
several parents is placed under the first, one whose parent lies outside the package sits
at the top, and a loop is refused.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Iterator, Mapping
from typing import Any

from flask_babel import gettext

#: Column sizes (lti_tool/models/frameworks.py): longer values are refused, never cut.
_LIMITS = {"uri": 1000, "title": 1000, "creator": 1000, "lastChangeDateTime": 40}
_ITEM_LIMITS = {"uri": 1000, "humanCodingScheme": 200, "CFItemType": 200}


@dataclasses.dataclass(frozen=True)
class Item:
    """One CFItem as it will be stored."""

    identifier: str
    uri: str
    human_coding_scheme: str
    full_statement: str
    item_type: str
    parent_identifier: str | None
    #: Its place in the tree read depth first, parents before children.
    position: int


@dataclasses.dataclass(frozen=True)
class Package:
    """The framework a valid package holds."""

    identifier: str
    uri: str
    title: str
    creator: str
    last_change: str
    #: Only these are stored: of the associations, ``isChildOf`` gives each item's parent.
    items: tuple[Item, ...]


def structure(found: Mapping[str, Any]) -> tuple[Package | None, list[str]]:
    """The package in ``found`` (schema-valid), or None and every problem found."""
    document = found["CFDocument"]
    items: list[dict[str, Any]] = found.get("CFItems", [])
    associations: list[dict[str, Any]] = found.get("CFAssociations", [])
    problems = list(_too_long(document, _LIMITS, "$.CFDocument"))
    nodes = {_id(document): "$.CFDocument"}
    for n, item in enumerate(items):
        where = f"$.CFItems[{n}]"
        problems += _duplicate(nodes, _id(item), where)
        problems += _too_long(item, _ITEM_LIMITS, where)
        if not item["fullStatement"].strip():
            problems.append(
                gettext(
                    "%(where)s.fullStatement is empty: every item needs the text of its statement.",
                    where=where,
                )
            )
    parents, order, association_problems = _parents(associations, nodes, _id(document))
    problems += association_problems
    positions = _positions(items, parents, order)
    problems += _loop(items, positions)
    if problems:
        return None, problems
    return _package(document, items, parents, positions), []


def _id(node: Mapping[str, Any]) -> str:
    # Identifiers are UUIDs, which CASE writes in lower case; compare them so.
    return str(node["identifier"]).lower()


def _duplicate(seen: dict[str, str], identifier: str, where: str) -> list[str]:
    if identifier in seen:
        return [
            gettext(
                "%(where)s.identifier %(id)s is already the identifier of %(other)s: "
                "each object needs its own.",
                where=where,
                id=identifier,
                other=seen[identifier],
            )
        ]
    seen[identifier] = where
    return []


def _too_long(node: Mapping[str, Any], limits: Mapping[str, int], where: str) -> Iterator[str]:
    for field, limit in limits.items():
        if len(node.get(field, "")) > limit:
            yield gettext(
                "%(where)s.%(field)s is longer than %(limit)s characters.",
                where=where,
                field=field,
                limit=limit,
            )


def _parents(
    associations: list[dict[str, Any]], nodes: Mapping[str, str], document_id: str
) -> tuple[dict[str, str | None], dict[str, tuple[int, int]], list[str]]:
    """Each item's parent (None: the document) and its sort key among its siblings, from
    the first ``isChildOf`` that names it; and the problems of the associations."""
    parents: dict[str, str | None] = {}
    order: dict[str, tuple[int, int]] = {}
    problems: list[str] = []
    seen: dict[str, str] = {}
    for n, association in enumerate(associations):
        where = f"$.CFAssociations[{n}]"
        problems += _duplicate(seen, _id(association), where)
        origin = _id(association["originNodeURI"])
        destination = _id(association["destinationNodeURI"])
        if origin not in nodes and destination not in nodes:
            problems.append(
                gettext(
                    "%(where)s links %(origin)s to %(destination)s, and neither is this "
                    "package's document or one of its items: it belongs to another framework.",
                    where=where,
                    origin=origin,
                    destination=destination,
                )
            )
            continue
        if (
            association["associationType"] == "isChildOf"
            and origin not in parents  # the first parent given wins
            and origin != document_id
            and origin in nodes
            and destination in nodes
        ):
            parents[origin] = None if destination == document_id else destination
            order[origin] = (association.get("sequenceNumber", 0), n)
    return parents, order, problems


def _positions(
    items: list[dict[str, Any]],
    parents: Mapping[str, str | None],
    order: Mapping[str, tuple[int, int]],
) -> dict[str, int]:
    """Each item's place, depth first from the document; items in a loop get none."""
    children: dict[str | None, list[tuple[bool, int, int, str]]] = defaultdict(list)
    for n, item in enumerate(items):
        identifier = _id(item)
        if identifier in parents:
            sequence, index = order[identifier]
            children[parents[identifier]].append((False, sequence, index, identifier))
        else:  # no parent given: at the top, after the placed ones, in file order
            children[None].append((True, 0, n, identifier))
    positions: dict[str, int] = {}
    stack = sorted(children[None], reverse=True)
    while stack:
        *_, identifier = stack.pop()
        if identifier in positions:
            continue
        positions[identifier] = len(positions)
        stack += sorted(children[identifier], reverse=True)
    return positions


def _loop(items: list[dict[str, Any]], positions: Mapping[str, int]) -> list[str]:
    """The problem of items that no path from the document reaches (none, or one)."""
    looped = [_id(item) for item in items if _id(item) not in positions]
    if not looped:
        return []
    shown = ", ".join(looped[:5]) + (" …" if len(looped) > 5 else "")
    return [
        gettext(
            "$.CFAssociations: the isChildOf associations put the items %(items)s in or below "
            "a loop (an item would be its own ancestor).",
            items=shown,
        )
    ]


def _package(
    document: Mapping[str, Any],
    items: list[dict[str, Any]],
    parents: Mapping[str, str | None],
    positions: Mapping[str, int],
) -> Package:
    stored = [
        Item(
            identifier=_id(item),
            uri=item["uri"],
            human_coding_scheme=item.get("humanCodingScheme", ""),
            full_statement=item["fullStatement"].strip(),
            item_type=item.get("CFItemType", ""),
            parent_identifier=parents.get(_id(item)),
            position=positions[_id(item)],
        )
        for item in items
    ]
    return Package(
        identifier=_id(document),
        uri=document["uri"],
        title=document["title"],
        creator=document["creator"],
        last_change=document["lastChangeDateTime"],
        items=tuple(sorted(stored, key=lambda item: item.position)),
    )
