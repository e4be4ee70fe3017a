"""Each track's competency framework as a CASE 1.1 package (1EdTech's Competencies and
Academic Standards Exchange), and the objects the CASE REST paths serve.

A track is one ``CFDocument``; each of its competencies is a ``CFItem`` (the model has no
sub-skills, so the tree is one level deep); ``CFAssociations`` tie them together:

- ``isChildOf`` from each item to the document, in the track's order (``sequenceNumber``);
- ``isRelatedTo`` from each item to the item of the same competency id in every other track
  (the competencies an extension shares with its base, and so with its sibling extensions);
- for a track that ``extends`` another, ``isPartOf`` from the base's document to this one.

Identifiers are UUID 5 under one fixed SkillCert namespace, named from content ids only, so
the same content gives the same identifiers on every machine and at every export; and
``lastChangeDateTime`` is the newest ``reviewed`` date of the track's modules, never "now".

Checked on 2026-12-06 against:

- 1EdTech's CASE 1.1 JSON Schemas (``assessments/schemas/case/``, see its SOURCES.md):
  field names; required fields (package document: identifier, uri, creator, title,
  lastChangeDateTime; package item: identifier, fullStatement, uri, lastChangeDateTime;
  association: identifier, associationType, uri, originNodeURI, destinationNodeURI,
  lastChangeDateTime); no other properties allowed; ``identifier`` a lower-case UUID;
  ``caseVersion`` only "1.1"; the association types (isChildOf, isPeerOf, isPartOf,
  exactMatchOf, precedes, isRelatedTo, replacedBy, exemplar, hasSkillLevel,
  isTranslationOf, or ``ext:``); outside a package a CFDocument carries ``CFPackageURI``,
  a CFItem ``CFDocumentURI`` (required) and a CFAssociation may; ``imsx_StatusInfo`` with
  codeMajor ``failure``, severity ``error`` and the code minor values ``unknownobject`` and
  ``invalid_uuid``.
- The CASE 1.1 information model and REST/JSON binding (1EdTech Final Release, issued 24
  January 2025; imsglobal.org/spec/case/v1p1) for the service paths under
  ``/ims/case/v1p1`` and its statement that 1.1 changed the data model, not the operations.
- OpenSALT, the CASE reference implementation (``opensalt/opensalt`` at d138f0a, 2024-06-20):
  the package is served under its document's identifier (``CFPackages/<document id>``),
  and an unknown or malformed id answers 404 with ``imsx_codeMinorFieldName`` "sourcedId".
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from assessments.model import Competency, Track

JSON = dict[str, Any]

#: The namespace every SkillCert CASE identifier is a UUID 5 in. Fixed forever: changing it
#: would give every published framework, item and association a new identity.
NAMESPACE = uuid.UUID("e9729186-0701-45e7-82ce-c0764c418760")
#: Where the CASE 1.1 REST paths start on this tool.
PATH = "/ims/case/v1p1"
CREATOR = "SkillCert"
ITEM_TYPE = "Competency"


def document_id(track_id: str) -> str:
    return _uuid("track", track_id)


def item_id(track_id: str, competency_id: str) -> str:
    return _uuid("competency", track_id, competency_id)


def _uuid(*names: str) -> str:
    # Content ids never contain "/" (ID_PATTERN), so the joined name is unambiguous.
    return str(uuid.uuid5(NAMESPACE, "/".join(names)))


def package(track: Track, base_url: str, tracks: Iterable[Track] = ()) -> JSON:
    """The CASE 1.1 ``CFPackage`` of ``track``; ``tracks`` are the others on offer (this one
    may be among them), for the associations between tracks."""
    others = [other for other in tracks if other.id != track.id]
    links = _Links(base_url)
    changed = last_change(track)
    document = links.node("CFDocuments", document_id(track.id), track.title)
    associations = [
        links.association("isChildOf", links.item(track, competency), document, changed, n)
        for n, competency in enumerate(track.competencies, start=1)
    ]
    associations += [
        links.association(
            "isRelatedTo", links.item(track, mine), links.item(other, theirs), changed
        )
        for mine in track.competencies
        for other in sorted(others, key=lambda t: t.id)
        for theirs in other.competencies
        if theirs.id == mine.id
    ]
    base = next((other for other in others if other.id == track.extends), None)
    if base is not None:
        # The base framework is wholly included in the extension (every base competency is
        # one of the extension's): isPartOf, read like isChildOf (origin the part, destination
        # the whole). Not isChildOf: that would put the extension inside the base's tree; not
        # precedes: the base is not taken first, it is part of the extension. The 1.1 text
        # defining each type could not be read offline (2026-12-06): confirm this direction.
        base_document = links.node("CFDocuments", document_id(base.id), base.title)
        associations.append(links.association("isPartOf", base_document, document, changed))
    return {
        "CFDocument": {
            **document,
            "caseVersion": "1.1",
            "creator": CREATOR,
            "lastChangeDateTime": changed,
            "description": track.summary.strip(),
            "language": "en",
            "version": str(track.version),
        },
        "CFItems": [_item(links, track, competency, changed) for competency in track.competencies],
        "CFAssociations": associations,
    }


def last_change(track: Track) -> str:
    """When the track's content last changed: its newest module review, as a CASE dateTime."""
    newest = max(module.reviewed for module in track.modules)
    return f"{newest.isoformat()}T00:00:00Z"


def _item(links: _Links, track: Track, competency: Competency, changed: str) -> JSON:
    node = links.item(track, competency)
    return {
        "identifier": node["identifier"],
        "uri": node["uri"],
        "fullStatement": competency.description.strip(),
        "abbreviatedStatement": competency.title,
        "humanCodingScheme": competency.id,
        "CFItemType": ITEM_TYPE,
        "language": "en",
        "lastChangeDateTime": changed,
    }


@dataclass(frozen=True)
class _Links:
    """The ``uri`` of every object, and the ``{title, identifier, uri}`` links between them."""

    base_url: str

    def uri(self, collection: str, identifier: str) -> str:
        return f"{self.base_url.rstrip('/')}{PATH}/{collection}/{identifier}"

    def node(self, collection: str, identifier: str, title: str) -> JSON:
        return {"identifier": identifier, "uri": self.uri(collection, identifier), "title": title}

    def item(self, track: Track, competency: Competency) -> JSON:
        return self.node("CFItems", item_id(track.id, competency.id), competency.title)

    def association(
        self, kind: str, origin: JSON, destination: JSON, changed: str, sequence: int = 0
    ) -> JSON:
        identifier = _uuid("association", kind, origin["identifier"], destination["identifier"])
        association: JSON = {
            "identifier": identifier,
            "uri": self.uri("CFAssociations", identifier),
            "associationType": kind,
            "originNodeURI": origin,
            "destinationNodeURI": destination,
            "lastChangeDateTime": changed,
        }
        if sequence:
            association["sequenceNumber"] = sequence
        return association


@dataclass(frozen=True)
class Frameworks:
    """Every object the CASE REST paths serve, by identifier, in its form outside a package:
    a document names its package, an item and an association their document."""

    packages: Mapping[str, JSON]
    documents: Mapping[str, JSON]
    items: Mapping[str, JSON]
    associations: Mapping[str, JSON]


def frameworks(tracks: Iterable[Track], base_url: str) -> Frameworks:
    """The CASE objects of all ``tracks``; a package is served under its document's id."""
    tracks = tuple(tracks)
    packages = {document_id(t.id): package(t, base_url, tracks) for t in tracks}
    documents: dict[str, JSON] = {}
    items: dict[str, JSON] = {}
    associations: dict[str, JSON] = {}
    for identifier, found in packages.items():
        document = found["CFDocument"]
        owner = _link(document)
        package_link = {**owner, "uri": _Links(base_url).uri("CFPackages", identifier)}
        documents[identifier] = {"CFPackageURI": package_link, **document}
        items.update(_in_document(found["CFItems"], owner))
        associations.update(_in_document(found["CFAssociations"], owner))
    return Frameworks(packages, documents, items, associations)


def _link(node: JSON) -> JSON:
    return {"title": node["title"], "identifier": node["identifier"], "uri": node["uri"]}


def _in_document(objects: Iterable[JSON], document: JSON) -> Iterator[tuple[str, JSON]]:
    for found in objects:
        yield found["identifier"], {"CFDocumentURI": document, **found}


def status_info(code_minor: str) -> JSON:
    """The ``imsx_StatusInfo`` body of a failed request: ``unknownobject`` for an id this
    service does not have, ``invalid_uuid`` for one that is not a UUID."""
    return {
        "imsx_codeMajor": "failure",
        "imsx_severity": "error",
        "imsx_codeMinor": {
            "imsx_codeMinorField": [
                {"imsx_codeMinorFieldName": "sourcedId", "imsx_codeMinorFieldValue": code_minor}
            ]
        },
    }
