"""Files a learner attaches to a project: checked on arrival, stored with the attempt,
downloaded only by their learner or the course's instructors.

What is accepted (docs/operator-guide.md lists it): documents, slides, spreadsheets,
notebooks, source, plain text, images and zips, by extension, with contents that match the
extension (a ".pdf" must start like a PDF, a ".md" must be UTF-8 text), at most
``MAX_FILES`` files of ``MAX_FILE_BYTES`` each and ``MAX_TOTAL_BYTES`` together. The
Content-Type a download is served with comes from this allowlist, never from the browser
that uploaded the file.
"""

from __future__ import annotations

import dataclasses
import io
from collections.abc import Iterable, Sequence
from pathlib import PurePosixPath

from flask import Response, send_file
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.utils import secure_filename

from lti_tool.errors import SkillCertError
from lti_tool.models import Attempt, ProjectFile
from lti_tool.scope import CurrentLaunch
from lti_tool.uploads import MiB

MAX_FILES = 10
MAX_FILE_BYTES = 10 * MiB
MAX_TOTAL_BYTES = 25 * MiB
#: What one hand-in request may carry: the files plus room for the project's text.
MAX_REQUEST_BYTES = MAX_TOTAL_BYTES + 1 * MiB

_ZIP = (b"PK\x03\x04", b"PK\x05\x06")  # Office documents and notebooks-as-zip are zips too
_OFFICE = "application/vnd.openxmlformats-officedocument"
#: extension → (Content-Type served, werkzeug adding "; charset=utf-8" to text/*;
#: the bytes the file must start with, or None: the file must be UTF-8 text)
ALLOWED: dict[str, tuple[str, tuple[bytes, ...] | None]] = {
    "pdf": ("application/pdf", (b"%PDF-",)),
    "docx": (f"{_OFFICE}.wordprocessingml.document", _ZIP),
    "pptx": (f"{_OFFICE}.presentationml.presentation", _ZIP),
    "xlsx": (f"{_OFFICE}.spreadsheetml.sheet", _ZIP),
    "zip": ("application/zip", _ZIP),
    "png": ("image/png", (b"\x89PNG\r\n\x1a\n",)),
    "jpg": ("image/jpeg", (b"\xff\xd8\xff",)),
    "jpeg": ("image/jpeg", (b"\xff\xd8\xff",)),
    "md": ("text/markdown", None),
    "txt": ("text/plain", None),
    "csv": ("text/csv", None),
    "py": ("text/x-python", None),
    "ipynb": ("application/x-ipynb+json", None),
}


class ProjectFileError(SkillCertError):
    """This file cannot be attached."""

    status_code = 422
    advice = _l("Remove or replace the file and hand in again. Your text is still in the form.")


@dataclasses.dataclass(frozen=True)
class Upload:
    """A checked file, ready to store."""

    filename: str
    content_type: str
    data: bytes


@dataclasses.dataclass(frozen=True)
class FileInfo:
    """What a page lists about a stored file (never its contents)."""

    id: int
    attempt_id: int
    filename: str
    size: int


def accepted_extensions() -> str:
    """The allowlist as a page shows it: ".pdf, .docx, …"."""
    return ", ".join(f".{ext}" for ext in ALLOWED)


def safe_filename(name: str) -> str:
    """A name safe in a header and on any disk: no folders, ASCII letters, digits, ``._-``."""
    path = PurePosixPath(name.replace("\\", "/"))
    suffix = path.suffix.lower()
    stem = secure_filename(path.stem)[:100] or "file"
    return f"{stem}{suffix}"


def check(files: Iterable[tuple[str, bytes]]) -> list[Upload]:
    """Check (name, contents) pairs against the allowlist and limits; empty file fields
    (a form posted with no file chosen) are skipped. Raises ``ProjectFileError``."""
    uploads = []
    for name, data in files:
        if not name and not data:
            continue
        uploads.append(_checked(name, data))
    if len(uploads) > MAX_FILES:
        raise ProjectFileError(
            gettext(
                "Attach at most %(count)d files; zip them together if you need more.",
                count=MAX_FILES,
            )
        )
    total = sum(len(upload.data) for upload in uploads)
    if total > MAX_TOTAL_BYTES:
        raise ProjectFileError(
            gettext(
                "Your files come to %(size)s; together they may be at most %(limit)s.",
                size=_megabytes(total),
                limit=_megabytes(MAX_TOTAL_BYTES),
            )
        )
    return uploads


def _checked(name: str, data: bytes) -> Upload:
    filename = safe_filename(name)
    extension = filename.rpartition(".")[2] if "." in filename else ""
    if extension not in ALLOWED:
        raise ProjectFileError(
            gettext(
                "%(name)s cannot be attached: use one of %(allowed)s.",
                name=filename,
                allowed=accepted_extensions(),
            )
        )
    if not data:
        raise ProjectFileError(gettext("%(name)s is empty.", name=filename))
    if len(data) > MAX_FILE_BYTES:
        raise ProjectFileError(
            gettext(
                "%(name)s is %(size)s; a file may be at most %(limit)s.",
                name=filename,
                size=_megabytes(len(data)),
                limit=_megabytes(MAX_FILE_BYTES),
            )
        )
    content_type, signatures = ALLOWED[extension]
    if signatures is None:
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            raise ProjectFileError(gettext("%(name)s is not UTF-8 text.", name=filename)) from None
    elif not data.startswith(signatures):
        raise ProjectFileError(
            gettext(
                "%(name)s is not a .%(extension)s file inside; save it again in that format.",
                name=filename,
                extension=extension,
            )
        )
    return Upload(filename, content_type, data)


def _megabytes(size: int) -> str:
    return f"{size / MiB:.1f} MB" if size >= MiB else f"{size / 1024:.1f} KB"


def attach(session: Session, attempt: Attempt, uploads: Sequence[Upload]) -> None:
    """Store the files with their attempt, in the caller's transaction."""
    session.add_all(
        ProjectFile(
            attempt_id=attempt.id,
            filename=upload.filename,
            content_type=upload.content_type,
            size=len(upload.data),
            data=upload.data,
        )
        for upload in uploads
    )


def listing(session: Session, attempt_ids: Iterable[int]) -> dict[int, list[FileInfo]]:
    """attempt id → its files (without their contents), for attempts already scoped."""
    ids = list(attempt_ids)
    found: dict[int, list[FileInfo]] = {}
    if not ids:
        return found
    rows = session.execute(
        select(ProjectFile.id, ProjectFile.attempt_id, ProjectFile.filename, ProjectFile.size)
        .where(ProjectFile.attempt_id.in_(ids))
        .order_by(ProjectFile.id)
    )
    for row in rows:
        found.setdefault(row.attempt_id, []).append(FileInfo(*row))
    return found


def for_learner(session: Session, launch: CurrentLaunch, file_id: int) -> ProjectFile | None:
    """A file of one of this learner's own attempts in this course, or None."""
    return session.scalar(
        select(ProjectFile)
        .join(Attempt, Attempt.id == ProjectFile.attempt_id)
        .where(ProjectFile.id == file_id, *Attempt.of_learner(launch, launch.user_id))
    )


def for_instructor(session: Session, launch: CurrentLaunch, file_id: int) -> ProjectFile | None:
    """A file of any attempt in the instructor's course, or None."""
    return session.scalar(
        select(ProjectFile)
        .join(Attempt, Attempt.id == ProjectFile.attempt_id)
        .where(ProjectFile.id == file_id, *Attempt.in_course(launch))
    )


def as_download(stored: ProjectFile) -> Response:
    """The file as an attachment: never rendered in the page, never content-sniffed."""
    response = send_file(
        io.BytesIO(stored.data),
        mimetype=stored.content_type,
        as_attachment=True,
        download_name=stored.filename,
        etag=False,
        max_age=0,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response
