"""The institution's own competency frameworks: import (a file or an https URL), the
mapping of each track's competencies to their items, and that mapping as CASE JSON.

Frameworks belong to the deployment, so only an institution or system administrator
(``CurrentLaunch.administers_deployment``) may use these pages; a course's Administrator
is told who can. Every lookup is in the launch's tenant: another tenant's ids are 404.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from typing import Any

from flask import Response, abort, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import format_decimal, gettext
from sqlalchemy.exc import IntegrityError

from assessments.catalog import find_track, list_tracks
from assessments.model import Track
from lti_tool.db import get_session, read_only, rollback
from lti_tool.errors import ForbiddenError
from lti_tool.frameworks import exporting, lookups, mapping
from lti_tool.frameworks.fetching import fetch_package
from lti_tool.frameworks.importing import ImportResult, import_package
from lti_tool.frameworks.reading import MAX_BYTES, MAX_ITEMS, FrameworkFileError, read_package
from lti_tool.models import AssociationType, Framework
from lti_tool.sessions import required_launch
from lti_tool.settings import current_settings
from lti_tool.uploads import MiB, accepts_uploads
from lti_tool.views.admin.base import administrator_required, bp

#: The most items one select offers; a search narrows a larger framework.
CHOICES = 300


def deployment_administrator_required(view: Callable[..., Any]) -> Callable[..., Any]:
    """Refuse (401/403) a request unless an institution or system administrator launched."""

    @functools.wraps(view)
    @administrator_required
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if not required_launch().administers_deployment:
            raise ForbiddenError(
                gettext(
                    "Only an institution or system administrator of your LMS can manage "
                    "competency frameworks: they are shared by every course."
                ),
                advice=gettext(
                    "Ask your institution's LMS administrator to import or map a framework."
                ),
            )
        return view(*args, **kwargs)

    return wrapped


def _by() -> str:
    return f"lms-administrator:user-{required_launch().user_id}"


def _tracks() -> tuple[Track, ...]:
    return list_tracks(current_settings().tracks_dir)


def _list_page(
    status: int = 200, result: ImportResult | None = None, **form: Any
) -> ResponseReturnValue:
    launch = required_launch()
    session = get_session()
    return render_template(
        "admin/frameworks.html",
        launch=launch,
        frameworks=lookups.frameworks(session, launch),
        counts=lookups.item_counts(session, launch),
        for_review=lookups.mappings(session, launch, retired_only=True),
        tracks=_tracks(),
        result=result,
        max_megabytes=MAX_BYTES // MiB,
        max_items=format_decimal(MAX_ITEMS),
        form=form,
    ), status


@bp.get("/frameworks")
@read_only
@deployment_administrator_required
def frameworks() -> ResponseReturnValue:
    return _list_page()


@bp.post("/frameworks")
@accepts_uploads(MAX_BYTES + 2 * MiB)  # a file over the limit still gets the page's message
@deployment_administrator_required
def import_framework() -> ResponseReturnValue:
    """Import a CASE 1.1 package from the uploaded file or the URL given; all or nothing."""
    upload = request.files.get("package")
    url = request.form.get("url", "").strip()[:2000]
    has_file = upload is not None and bool(upload.filename)
    if has_file == bool(url):
        error = gettext("Choose a file to upload or give the package's https address, not both.")
        return _list_page(422, problems=[error], url=url)
    try:
        if upload is not None and has_file:
            package = read_package(upload.stream.read())
        else:
            package = fetch_package(current_settings(), url)
    except FrameworkFileError as exc:
        return _list_page(422, problems=exc.problems, url=url)
    try:
        result = import_package(get_session(), required_launch(), package, by=_by())
    except IntegrityError:
        # Another first import of the same document committed while this one ran.
        rollback()
        error = gettext(
            "Someone imported this framework at the same moment. Import the file again "
            "to update it."
        )
        return _list_page(409, problems=[error], url=url)
    # A reload posts the file again: harmless, an import of the same file changes nothing.
    return _list_page(result=result)


def _framework_and_track(framework_id: int, track_id: str) -> tuple[Framework, Track]:
    found = lookups.framework(get_session(), required_launch(), framework_id)
    track = find_track(_tracks(), track_id)
    if found is None or track is None:
        abort(404, gettext("There is no such framework or track here."))
    return found, track


def _mapping_page(
    framework_id: int, track_id: str, status: int = 200, **form: Any
) -> ResponseReturnValue:
    launch = required_launch()
    session = get_session()
    framework, track = _framework_and_track(framework_id, track_id)
    query = request.args.get("q", "")[:200]
    offered = [node for node in lookups.tree(session, framework) if node.item.is_current]
    if query:
        wanted = query.casefold()
        offered = [
            node
            for node in offered
            if wanted in node.item.full_statement.casefold()
            or wanted in node.item.human_coding_scheme.casefold()
        ]
    mapped: dict[str, list[lookups.Mapped]] = {}
    for found in lookups.mappings(session, launch, framework, track.id):
        mapped.setdefault(found.mapping.competency_id, []).append(found)
    return render_template(
        "admin/framework_mapping.html",
        launch=launch,
        framework=framework,
        track=track,
        tracks=_tracks(),
        mapped=mapped,
        offered=offered[:CHOICES],
        matching=len(offered),
        query=query,
        types=list(AssociationType),
        done=request.args.get("done", ""),
        form=form,
    ), status


@bp.get("/frameworks/<id:framework_id>/tracks/<track_id>")
@read_only
@deployment_administrator_required
def mapping_page(framework_id: int, track_id: str) -> ResponseReturnValue:
    """One track's competencies (rows) and the framework's items they map to."""
    return _mapping_page(framework_id, track_id)


@bp.post("/frameworks/<id:framework_id>/tracks/<track_id>/mappings")
@deployment_administrator_required
def add_mapping(framework_id: int, track_id: str) -> ResponseReturnValue:
    framework, track = _framework_and_track(framework_id, track_id)
    session = get_session()
    competency_id = request.form.get("competency", "")
    chosen = request.form.get("item", "")
    # ASCII digits, at most 18 of them: below the largest database id (views.MAX_ID), so
    # the query never sees a number the database refuses.
    if not (chosen.isascii() and chosen.isdecimal() and len(chosen) <= 18 and int(chosen) > 0):
        error = gettext("Choose an item of the framework to map the competency to.")
        return _mapping_page(framework_id, track_id, 422, error=error, competency=competency_id)
    item = mapping.item_in(session, framework, int(chosen))
    if item is None:  # not an item of this framework: another tenant's, or none
        abort(404, gettext("There is no such item in this framework."))
    try:
        mapping.add(
            session,
            required_launch(),
            item,
            track,
            competency_id,
            request.form.get("type", ""),
            by=_by(),
        )
    except mapping.MappingError as exc:
        return _mapping_page(
            framework_id, track_id, 422, error=exc.message, competency=competency_id
        )
    return redirect(
        url_for("admin.mapping_page", framework_id=framework.id, track_id=track.id, done="added")
    )


@bp.post("/frameworks/<id:framework_id>/tracks/<track_id>/mappings/<id:mapping_id>/remove")
@deployment_administrator_required
def remove_mapping(framework_id: int, track_id: str, mapping_id: int) -> ResponseReturnValue:
    framework, track = _framework_and_track(framework_id, track_id)
    if not mapping.remove(get_session(), required_launch(), framework, track, mapping_id):
        abort(404, gettext("There is no such mapping here."))
    return redirect(
        url_for("admin.mapping_page", framework_id=framework.id, track_id=track.id, done="removed")
    )


@bp.get("/frameworks/<id:framework_id>/tracks/<track_id>/case.json")
@read_only
@deployment_administrator_required
def export_mapping(framework_id: int, track_id: str) -> ResponseReturnValue:
    """The mapping as a CASE 1.1 package of associations, to download."""
    framework, track = _framework_and_track(framework_id, track_id)
    session = get_session()
    package = exporting.mapping_package(
        current_settings(),
        exporting.tenant_key(session, framework),
        framework,
        track,
        lookups.mappings(session, required_launch(), framework, track.id),
        current_settings().url_for(
            url_for("admin.export_mapping", framework_id=framework.id, track_id=track.id)
        ),
    )
    response = Response(
        json.dumps(package, indent=2, ensure_ascii=False), mimetype="application/json"
    )
    filename = f"skillcert-{track.id}-mapping-{framework.document_id}.json"
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
