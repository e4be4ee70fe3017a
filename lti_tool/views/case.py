"""The tracks' competency frameworks over the CASE 1.1 REST paths (``/ims/case/v1p1``).

Public, like the framework itself: no launch, no session, nothing from the database. The
objects come from ``assessments.case``; ``skillcert content case-export`` writes the same
packages to a file.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from pathlib import Path

from flask import Blueprint, jsonify
from flask.typing import ResponseReturnValue

from assessments import case
from assessments.catalog import list_tracks
from lti_tool.settings import current_settings

bp = Blueprint("case", __name__, url_prefix=case.PATH)

#: A CASE identifier: a UUID written 8-4-4-4-12 in hexadecimal digits.
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


@functools.cache
def _frameworks(tracks_dir: Path, base_url: str) -> case.Frameworks:
    """Built once per content folder: track content does not change while the tool runs."""
    return case.frameworks(list_tracks(tracks_dir), base_url)


def _served() -> case.Frameworks:
    settings = current_settings()
    return _frameworks(settings.tracks_dir, settings.base_url)


def _one(objects: Mapping[str, case.JSON], sourced_id: str) -> ResponseReturnValue:
    """The object with this id, or 404 with the CASE status body saying why."""
    if not _UUID.fullmatch(sourced_id):
        return jsonify(case.status_info("invalid_uuid")), 404
    found = objects.get(sourced_id.lower())
    if found is None:
        return jsonify(case.status_info("unknownobject")), 404
    return jsonify(found)


@bp.get("/CFPackages/<sourced_id>")
def package(sourced_id: str) -> ResponseReturnValue:
    return _one(_served().packages, sourced_id)


@bp.get("/CFDocuments")
def documents() -> ResponseReturnValue:
    return jsonify(CFDocuments=list(_served().documents.values()))


@bp.get("/CFDocuments/<sourced_id>")
def document(sourced_id: str) -> ResponseReturnValue:
    return _one(_served().documents, sourced_id)


@bp.get("/CFItems/<sourced_id>")
def item(sourced_id: str) -> ResponseReturnValue:
    return _one(_served().items, sourced_id)


@bp.get("/CFAssociations/<sourced_id>")
def association(sourced_id: str) -> ResponseReturnValue:
    return _one(_served().associations, sourced_id)
