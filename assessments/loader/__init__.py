"""Track content from files: one folder per track, YAML for structure, Markdown for prose.

Layout of a track folder::

    track.yaml                    id, version, title, competencies, modules, completion
    claims.yaml                   optional: the claims register (dated facts and sources)
    modules/<module-id>/module.yaml   id, version, title, activities (inline or `file:`),
                                  optional `translations` of its texts (docs/authoring.md)
    modules/<module-id>/*.md      lesson bodies and item stems (`body_file`, `stem_file`)
    labs/<lab-id>/                lab folders (lab.yaml, hidden.yaml, …; see docs/labs.md)

Loading validates everything and reports every problem at once, as ``file:line: message``
(lines come from PyYAML's node marks). A track with any problem is not loaded at all — the
caller gets its problems and no ``Track`` — so a half-valid track never reaches learners.
Warnings (a module past its ``review_by`` date) are reported apart and never block loading.
Results are also kept per file (``FileReport``), in the spirit of PrairieLearn's sync.

The package reads a track top-down: ``folders`` (which track folders, in which order, and
``extends``), ``track`` (track.yaml), ``modules``, ``activities``, ``translations`` and
``claims``, all through one ``reader.TrackReader`` per folder; ``summary`` reports on
loaded tracks.
"""

from assessments.loader.activities import KIND_KEYS
from assessments.loader.folders import load_track, load_tracks, validate_path
from assessments.loader.reader import CLAIMS_FILE, MAX_FILE_BYTES, MODULE_FILE, TRACK_FILE
from assessments.loader.results import FileReport, LoadResult, TrackReport
from assessments.loader.summary import coverage_markdown, summarise
from assessments.spec import Problem

__all__ = [
    "CLAIMS_FILE",
    "KIND_KEYS",
    "MAX_FILE_BYTES",
    "MODULE_FILE",
    "TRACK_FILE",
    "FileReport",
    "LoadResult",
    "Problem",
    "TrackReport",
    "coverage_markdown",
    "load_track",
    "load_tracks",
    "summarise",
    "validate_path",
]
