"""Evidence of mastery for a course's instructors and a curriculum committee: what assesses
what (the activity-by-competency matrix of a track) and how well the course's learners have
mastered each competency (the cohort heat map).

The matrix is read from the track's files alone. The heat map is read from the gradebook
(``gradebook.build``): it already holds every learner's counted score on every placed
activity, so nothing is queried again; each cell applies ``competencies.mastery``, the
rule the learner's own "My progress" uses.
"""

from __future__ import annotations

import csv
import dataclasses
import io
from collections import Counter
from collections.abc import Iterable, Sequence
from statistics import fmean

from flask_babel import gettext
from sqlalchemy.orm import Session

from assessments.model import Activity, ActivityKind, Competency, Module, Track
from assessments.policy import counts_toward_completion
from lti_tool.learning.competencies import mastery
from lti_tool.learning.gradebook import Gradebook, formula_safe
from lti_tool.placements import in_course
from lti_tool.scope import CurrentLaunch

# -- what assesses what ----------------------------------------------------------------------


@dataclasses.dataclass(frozen=True, slots=True)
class Alignment:
    """How an activity assesses one competency."""

    whole: bool  #: the activity itself names the competency
    items: int  #: how many of its questions name it


@dataclasses.dataclass(frozen=True, slots=True)
class MatrixRow:
    activity: Activity
    summative: bool  #: counts toward completion (``counts_toward_completion``); else practice
    #: per competency of the track, in its framework's order; None: does not assess it
    cells: tuple[Alignment | None, ...]


@dataclasses.dataclass(frozen=True, slots=True)
class MatrixModule:
    module: Module
    rows: tuple[MatrixRow, ...]  #: its assessed activities, in the module's order


@dataclasses.dataclass(frozen=True, slots=True)
class CompetencyTotal:
    competency: Competency
    activities: int  #: assessed activities aligned to it, practice included
    summative: int  #: of which summative
    #: how many of each kind, in ``ActivityKind``'s order; kinds with none left out
    kinds: tuple[tuple[ActivityKind, int], ...]

    @property
    def gap(self) -> bool:
        """No summative work assesses it: nothing can show a learner has mastered it."""
        return not self.summative


@dataclasses.dataclass(frozen=True, slots=True)
class Matrix:
    track: Track
    modules: tuple[MatrixModule, ...]  #: modules with assessed activities, in track order
    totals: tuple[CompetencyTotal, ...]  #: per competency, in its framework's order


def _alignment(activity: Activity, competency: Competency) -> Alignment | None:
    if competency.id not in activity.aligned_competencies:
        return None
    items = sum(competency.id in item.competencies for item in activity.items)
    return Alignment(competency.id in activity.competencies, items)


def matrix(track: Track) -> Matrix:
    """Which of the track's assessed activities assess which of its competencies."""
    competencies = track.competencies
    modules = []
    for module in track.modules:
        rows = tuple(
            MatrixRow(
                activity,
                counts_toward_completion(activity),
                tuple(_alignment(activity, competency) for competency in competencies),
            )
            for activity in module.activities
            if activity.kind.is_assessed
        )
        if rows:
            modules.append(MatrixModule(module, rows))
    every_row = [row for module in modules for row in module.rows]
    totals = []
    for index, competency in enumerate(competencies):
        aligned = [row for row in every_row if row.cells[index] is not None]
        kinds = Counter(row.activity.kind for row in aligned)
        totals.append(
            CompetencyTotal(
                competency,
                len(aligned),
                sum(row.summative for row in aligned),
                tuple((kind, kinds[kind]) for kind in ActivityKind if kinds[kind]),
            )
        )
    return Matrix(track, tuple(modules), tuple(totals))


def placed_tracks(session: Session, launch: CurrentLaunch, tracks: Iterable[Track]) -> list[Track]:
    """The tracks the course's links place (a track, or a module or activity of it), in
    placement order, once each."""
    if launch.context_id is None:
        return []
    placed: dict[str, Track] = {}
    for placement in in_course(session, launch.context_id, tracks):
        placed.setdefault(placement.track.id, placement.track)
    return list(placed.values())


# -- the cohort's mastery --------------------------------------------------------------------

#: Lower bounds of the heat map's colour bands (shares); a mean falls in the last band
#: whose bound it reaches. The page's legend words them from these numbers.
BANDS = (("low", 0.0), ("fair", 0.5), ("good", 0.7), ("high", 0.85))


def band(share: float | None) -> str | None:
    """The colour band a mean falls in (``BANDS``' names); None when nothing is graded."""
    if share is None:
        return None
    return next(name for name, bound in reversed(BANDS) if share >= bound)


@dataclasses.dataclass(frozen=True, slots=True)
class HeatColumn:
    track: Track
    competency: Competency
    #: indexes of the gradebook's columns that are evidence for it: the track's placed
    #: assessed activities aligned to the competency (``mastery`` keeps the summative ones)
    evidence: tuple[int, ...]


@dataclasses.dataclass(frozen=True, slots=True)
class HeatRow:
    user_id: int
    name: str
    means: tuple[float | None, ...]  #: per heat-map column: ``mastery``; None: none graded


@dataclasses.dataclass(frozen=True, slots=True)
class HeatMap:
    columns: tuple[HeatColumn, ...]
    rows: tuple[HeatRow, ...]
    #: per column, the mean of the learners' means (learners with none graded left out)
    cohort: tuple[float | None, ...]


def heat_map(book: Gradebook, tracks: Sequence[Track]) -> HeatMap:
    """Every learner's mastery of every competency of ``tracks``, from the gradebook's
    counted scores on the activities the course places."""
    columns = tuple(
        HeatColumn(
            track,
            competency,
            tuple(
                index
                for index, column in enumerate(book.columns)
                if column.track_id == track.id
                and competency.id in column.activity.aligned_competencies
            ),
        )
        for track in tracks
        for competency in track.competencies
    )
    rows = tuple(
        HeatRow(
            row.user_id,
            row.name,
            tuple(
                mastery((book.columns[i].activity, row.cells[i].score) for i in column.evidence)
                for column in columns
            ),
        )
        for row in book.rows
    )
    cohort = []
    for index in range(len(columns)):
        means = [mean for row in rows if (mean := row.means[index]) is not None]
        cohort.append(fmean(means) if means else None)
    return HeatMap(columns, rows, tuple(cohort))


def column_title(column: HeatColumn, several_tracks: bool) -> str:
    """A heat-map column's heading in words: the competency, and its track when the course
    places several (two tracks may name a competency alike)."""
    if several_tracks:
        return gettext(
            "%(competency)s (%(track)s)",
            competency=column.competency.title,
            track=column.track.title,
        )
    return column.competency.title


def as_csv(heat: HeatMap) -> str:
    """The heat map as CSV, its columns in the page's order: the learner, then each
    competency's mean counted score (%; empty when nothing is graded), then the cohort's
    means as a last row."""
    several = len({column.track.id for column in heat.columns}) > 1
    out = io.StringIO()
    writer = csv.writer(out)
    header = [gettext("Learner")]
    header += [
        gettext("%(title)s (%%)", title=column_title(column, several)) for column in heat.columns
    ]
    writer.writerow([formula_safe(text) for text in header])
    for row in heat.rows:
        writer.writerow([formula_safe(row.name), *(_percent(mean) for mean in row.means)])
    writer.writerow([formula_safe(gettext("Cohort mean")), *(_percent(m) for m in heat.cohort)])
    return out.getvalue()


def _percent(share: float | None) -> object:
    return "" if share is None else round(share * 100, 1)
