"""The institution's items a credential aligns to: Open Badges 3.0 ``Alignment`` entries
for the items its tenant mapped the track's competencies to.

OB 3.0 Alignment (vendored schema ``lti_tool/credentials/schema/``, checked 2026-12-06):
``type`` contains "Alignment"; ``targetName`` and ``targetUrl`` are required;
``targetCode`` is "a locally unique string identifier that identifies the alignment target
within its framework"; ``targetFramework`` the framework's name; ``targetType`` "CFItem" is
one of the AlignmentTargetType values. Items no longer in their framework are left out
until reviewed; the number is capped, as every alignment is one more unnamed object for
JSON-LD canonicalisation to order (``credentials.jsonld.MAX_BLANK_NODES``).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from assessments.model import Track
from lti_tool.frameworks.exporting import shorten
from lti_tool.frameworks.lookups import Mapped, Tenant, mappings

#: The most institution items one credential names (after the track's own entries).
MAX_MAPPED = 50


def mapped_alignments(session: Session, tenant: Tenant, track: Track) -> list[dict[str, Any]]:
    """The OB 3.0 alignments of ``track``'s mapped items in ``tenant``, in the order of the
    track's competencies, each item once."""
    order = {competency.id: n for n, competency in enumerate(track.competencies)}
    found = [
        m
        for m in mappings(session, tenant, track_id=track.id)
        if m.item.is_current and m.mapping.competency_id in order
    ]
    found.sort(key=lambda m: order[m.mapping.competency_id])  # stable: framework order within
    alignments: dict[int, dict[str, Any]] = {}
    for m in found:
        if m.item.id not in alignments and len(alignments) < MAX_MAPPED:
            alignments[m.item.id] = _alignment(m)
    return list(alignments.values())


def _alignment(found: Mapped) -> dict[str, Any]:
    statement = found.item.full_statement
    name = shorten(statement)
    alignment: dict[str, Any] = {
        "type": ["Alignment"],
        "targetName": name,
        "targetFramework": found.framework.title,
        "targetType": "CFItem",
        "targetUrl": found.item.uri,
    }
    if name != statement:  # the name is cut short: the whole statement goes here
        alignment["targetDescription"] = statement
    if found.item.human_coding_scheme:
        alignment["targetCode"] = found.item.human_coding_scheme
    return alignment
