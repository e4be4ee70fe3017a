"""A tenant's mapping of one track to one framework, as a CASE 1.1 package of associations.

CASE 1.1 has no container for associations alone: the package (``CFPackage``) requires a
``CFDocument`` and may omit ``CFItems``, and an association outside a package names its
document (``CFDocumentURI``) (vendored CASE 1.1 schemas, checked 2026-12-06). So the export
is a package whose document is the mapping itself, with no items and one association per
mapping: origin SkillCert's competency (its CFItem, served under ``/ims/case/v1p1``),
destination the institution's item, the type as mapped. Mappings to items no longer in the
framework are left out until someone reviews them.

Identifiers are UUID 5 in SkillCert's CASE namespace (``assessments.case.NAMESPACE``),
named from the tenant (issuer, client id, deployment id), the framework, the track and the
two ends, so exporting again gives the same identifiers; ``lastChangeDateTime`` is the
newest mapping's time, never "now".
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy.orm import Session

from assessments import case
from assessments.model import Competency, Track
from lti_tool.frameworks.lookups import Mapped
from lti_tool.models import Deployment, Framework, Registration
from lti_tool.settings import Settings

JSON = dict[str, Any]
#: A node's title in a link: the item's code and the start of its statement.
TITLE_LIMIT = 200


def competency_uri(settings: Settings, track_id: str, competency_id: str) -> str:
    """Where SkillCert serves the competency's CASE item."""
    identifier = case.item_id(track_id, competency_id)
    return f"{settings.base_url.rstrip('/')}{case.PATH}/CFItems/{identifier}"


def tenant_key(session: Session, framework: Framework) -> str:
    """What names the framework's tenant the same way on every SkillCert (not row ids)."""
    registration = session.get_one(Registration, framework.registration_id)
    deployment = session.get_one(Deployment, framework.deployment_id)
    return json.dumps([registration.issuer, registration.client_id, deployment.deployment_id])


def shorten(text: str, limit: int = TITLE_LIMIT) -> str:
    """``text`` on one line, cut at a word before ``limit`` characters, with "…"."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0] or text[: limit - 1]
    return cut + "…"


def mapping_package(
    settings: Settings,
    tenant: str,
    framework: Framework,
    track: Track,
    mapped: Sequence[Mapped],
    uri: str,
) -> JSON:
    """The CFPackage of ``mapped`` (this framework's mappings of ``track``); ``tenant`` from
    :func:`tenant_key`, ``uri`` where this export is served."""
    competencies = {competency.id: competency for competency in track.competencies}
    current = [m for m in mapped if m.item.is_current and m.mapping.competency_id in competencies]
    changed = max((m.mapping.mapped_at for m in current), default=framework.updated_at)
    associations = [
        _association(settings, track, competencies[m.mapping.competency_id], m, tenant)
        for m in current
    ]
    return {
        "CFDocument": {
            "identifier": _uuid("mapping", tenant, framework.document_id, track.id),
            "uri": uri,
            "creator": settings.issuer_name,
            "title": f"{track.title} mapped to {framework.title}",
            "lastChangeDateTime": _datetime(changed),
            "caseVersion": "1.1",
            "description": (
                f"How the competencies of the SkillCert track {track.title} relate to the "
                f"items of {framework.title}, as mapped by the institution's administrators."
            ),
            "language": "en",
        },
        "CFAssociations": associations,
    }


def _association(
    settings: Settings, track: Track, competency: Competency, found: Mapped, tenant: str
) -> JSON:
    origin = case.item_id(track.id, competency.id)
    item = found.item
    kind = found.mapping.association_type.value
    identifier = _uuid("mapping-association", tenant, kind, origin, item.identifier)
    code = f"{item.human_coding_scheme} " if item.human_coding_scheme else ""
    return {
        "identifier": identifier,
        "uri": f"urn:uuid:{identifier}",
        "associationType": kind,
        "originNodeURI": {
            "title": competency.title,
            "identifier": origin,
            "uri": competency_uri(settings, track.id, competency.id),
            "targetType": "CASE",
        },
        "destinationNodeURI": {
            "title": shorten(code + item.full_statement),
            "identifier": item.identifier,
            "uri": item.uri,
            "targetType": "CASE",
        },
        "lastChangeDateTime": _datetime(found.mapping.mapped_at),
    }


def _uuid(*names: str) -> str:
    # JSON keeps the parts apart whatever they contain (an issuer is a URL with "/").
    return str(uuid.uuid5(case.NAMESPACE, json.dumps(names)))


def _datetime(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
