"""The lab page's code editor: which file it writes, what it starts with, and sending it.

Code written in the browser is a single-file submission like an uploaded file: it goes
through :func:`lti_tool.grading.labs.submit_lab` under the name the lab's entry point
imports (``entry: "solution:classify"`` → ``solution.py``).
"""

from __future__ import annotations

import dataclasses
import io
import zipfile
from collections.abc import Iterable
from pathlib import Path, PurePosixPath

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import Connection

from assessments.catalog import lab_spec
from assessments.labs import ArchiveLimits
from assessments.model import Activity, Track
from lti_tool.grading.labs import SubmissionError, submit_lab
from lti_tool.models import LabSubmission
from lti_tool.scope import CurrentLaunch

#: Largest code the editor sends. Kept under the form-field cap its view sets
#: (``EDITOR_FIELD_BYTES``), so too much code gets this page's message, not a bare 413.
EDITOR_MAX_BYTES = 256 * 1024
EDITOR_FIELD_BYTES = 4 * EDITOR_MAX_BYTES


class CodeError(SubmissionError):
    """This code cannot be sent."""

    status_code = 422
    advice = _l("Your code is still in the editor: fix it there and send it again.")


@dataclasses.dataclass(frozen=True)
class Editor:
    """What the lab page's editor shows."""

    filename: str  #: the file the code is submitted as
    code: str  #: prefilled text: the learner's last single-file submission, else starter code
    max_bytes: int = EDITOR_MAX_BYTES


def editor_for(
    track: Track, activity: Activity, tracks_dir: Path, submissions: Iterable[LabSubmission]
) -> Editor | None:
    """The editor of a lab, prefilled; None when the lab cannot be loaded.

    ``submissions``: this learner's own submissions of this lab, newest first (the caller
    has scoped them to the launch)."""
    spec = lab_spec(track.id, activity.id, tracks_dir)
    if spec is None:
        return None
    if "." in spec.module:  # an entry inside a package cannot be written as one file
        return None
    filename = f"{spec.module}.py"
    for submission in submissions:
        code = _single_file(submission.archive, filename)
        if code is not None:
            return Editor(filename, code)
    return Editor(filename, starter_code(activity))


def starter_code(activity: Activity) -> str:
    """The first Python file of the lab's ``files`` that lies in its folder, or ''."""
    lab = activity.lab
    if lab is None:
        return ""
    folder = PurePosixPath(lab.folder)
    for name in lab.files:
        relative = PurePosixPath(name)
        if relative.suffix == ".py" and relative.is_relative_to(folder):
            path = lab.path / relative.relative_to(folder)
            try:
                return path.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError):
                return ""
    return ""


def _single_file(archive: bytes, filename: str) -> str | None:
    """The text of an archive holding just ``filename`` (a single-file submission)."""
    try:
        with zipfile.ZipFile(io.BytesIO(archive)) as zipped:
            entries = zipped.infolist()
            if len(entries) != 1 or entries[0].filename != filename:
                return None
            if entries[0].file_size > EDITOR_MAX_BYTES:
                return None
            with zipped.open(entries[0]) as member:
                return member.read(EDITOR_MAX_BYTES + 1).decode("utf-8")
    except (zipfile.BadZipFile, UnicodeDecodeError, OSError):
        return None


def submit_code(
    conn: Connection,
    launch: CurrentLaunch,
    track: Track,
    activity: Activity,
    editor: Editor,
    code: str,
    visible_only: bool,
) -> int:
    """Check the code and queue it like an uploaded single file. Raises ``CodeError``."""
    if not code.strip():
        raise CodeError(gettext("Write some code before you check or submit it."))
    # Browsers send textarea line ends as CRLF; the grader and the prefill want LF.
    data = code.replace("\r\n", "\n").encode("utf-8")
    limit = min(editor.max_bytes, ArchiveLimits().max_file_bytes)
    if len(data) > limit:
        raise CodeError(
            gettext(
                "Your code is %(size)d bytes; the editor sends at most %(limit)d. "
                "Upload a larger project as a file or a .zip instead.",
                size=len(data),
                limit=limit,
            )
        )
    return submit_lab(
        conn, launch, track, activity.id, editor.filename, data, visible_only=visible_only
    )
