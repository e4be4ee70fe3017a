"""``skillcert content audit``: does a track tell people who can do the work from those who
cannot?

Four measures per track:

- **Test-wise bias** of its single-choice items and scenario decisions (every situation
  with two or more choices whose best choice — the strictly highest ``score`` — is not
  tied): how often the best option is also the strictly longest text
  (``longest_option_share``), the largest share of best options found at any one position,
  first, second, … (``position_share``), and options that read "all / none / both /
  neither of the above" (answerable by logic, not knowledge). A learner who knows nothing
  scores well when these are high.
- **Labs**: the mutation kill rate of each lab's tests and the wrong solutions they catch
  (``assessments.lab_audit``).
- **Certification**: the summative activities, those among them with unlimited attempts,
  and the critical checks.
- **Items in use** (with a responses CSV): item-rest discrimination and difficulty flags
  (``assessments.analysis.item_flags``).
"""

from __future__ import annotations

import csv
import dataclasses
import math
import re
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from assessments import policy
from assessments.analysis import ItemAnalysis, ItemFlag, analyse_items, item_flags
from assessments.items import ItemType
from assessments.items.single_choice import SingleChoice
from assessments.lab_audit import DEFAULT_SEEDS, LabAudit, Progress, audit_lab
from assessments.loader import TRACK_FILE, LoadResult
from assessments.model import Track
from assessments.spec import Problem

#: ``content validate`` warns about a track whose longest-option or position share is above
#: this. (With four options a key placed at random is at one position about 25 % of the
#: time; scenario situations with only two choices push the position share toward 50 %.)
BIAS_WARNING_SHARE = 0.45

#: Options a learner can choose by logic alone ("all of the above" when two options look
#: right), whatever their knowledge. Matched on the whole plain text, case-insensitively.
ABOVE_OPTIONS = re.compile(r"(all|none|both|neither) of (the above|these|them)[.!]?", re.I)

#: The columns of a responses CSV (one row per learner and item, with a header row).
RESPONSE_COLUMNS = ("learner", "item", "score", "max_score")


# -- test-wise bias ----------------------------------------------------------------------


@dataclasses.dataclass(frozen=True, slots=True)
class Question:
    """A choice with one best option: a single-choice item or a scenario decision."""

    where: str  #: the item id, or ``activity/node`` for a scenario situation
    options: tuple[str, ...]  #: plain text, in the order learners see them
    best: int  #: index of the best option


@dataclasses.dataclass(frozen=True, slots=True)
class Bias:
    questions: int
    longest_best: int  #: questions whose best option is strictly the longest
    positions: tuple[int, ...]  #: how many best options sit first, second, …
    above_options: tuple[str, ...]  #: ``where/option`` of each "… of the above" option

    @property
    def longest_option_share(self) -> float | None:
        return self.longest_best / self.questions if self.questions else None

    @property
    def position_share(self) -> float | None:
        return max(self.positions) / self.questions if self.questions else None


def questions(track: Track) -> list[Question]:
    """The track's single-choice items and scenario decisions whose best option is unique."""
    found = []
    for activity in track.activities():
        for item in activity.items:
            definition = item.definition
            # A single-choice item's definition is always a SingleChoice (see ITEM_TYPES).
            if item.type == ItemType.SINGLE_CHOICE and isinstance(definition, SingleChoice):
                options = definition.options
                best = next(i for i, o in enumerate(options) if o.id == definition.correct)
                found.append(Question(item.id, tuple(plain_text(o.html) for o in options), best))
        if activity.scenario is None:
            continue
        for node in activity.scenario.nodes.values():
            scores = [choice.score for choice in node.choices]
            if len(scores) < 2 or scores.count(max(scores)) > 1:
                continue  # nothing to choose, or no single best choice
            texts = tuple(plain_text(choice.html) for choice in node.choices)
            found.append(Question(f"{activity.id}/{node.id}", texts, scores.index(max(scores))))
    return found


def bias(found: Iterable[Question]) -> Bias:
    found = list(found)
    positions = Counter(q.best for q in found)
    longest = sum(
        all(len(q.options[q.best]) > len(text) for i, text in enumerate(q.options) if i != q.best)
        for q in found
    )
    width = max((len(q.options) for q in found), default=0)
    above = tuple(
        f"{q.where}/{i + 1}"
        for q in found
        for i, text in enumerate(q.options)
        if ABOVE_OPTIONS.fullmatch(text)
    )
    return Bias(len(found), longest, tuple(positions[i] for i in range(width)), above)


def plain_text(html: str) -> str:
    """What a learner reads: tags dropped, entities decoded, white space collapsed."""
    parser = _Text()
    parser.feed(html)
    parser.close()
    return " ".join("".join(parser.parts).split())


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def bias_warnings(result: LoadResult) -> list[Problem]:
    """``content validate``'s warnings about test-wise bias, one per measure and track."""
    warnings = []
    for report in result.reports:
        if report.track is None:
            continue
        measured = bias(questions(report.track))
        where = f"{report.folder}/{TRACK_FILE}"
        for share, what in (
            (measured.longest_option_share, "is also the longest option"),
            (measured.position_share, "sits at the same position"),
        ):
            if share is not None and share > BIAS_WARNING_SHARE:
                warnings.append(
                    Problem(
                        where,
                        None,
                        f"in {share:.0%} of its single-choice items and scenario decisions "
                        f"the best option {what} (more than {BIAS_WARNING_SHARE:.0%}): a "
                        "learner can guess it without knowing the answer; see "
                        "`skillcert content audit`",
                        warning=True,
                    )
                )
    return warnings


# -- certification -----------------------------------------------------------------------


@dataclasses.dataclass(frozen=True, slots=True)
class Certification:
    summative_activities: int
    unlimited_summative: tuple[str, ...]  #: summative activities without an attempt limit
    critical_checks: int


def certification(track: Track) -> Certification:
    summative = [a for a in track.activities() if policy.counts_toward_completion(a)]
    return Certification(
        summative_activities=len(summative),
        unlimited_summative=tuple(a.id for a in summative if a.attempt_policy.max_attempts is None),
        critical_checks=sum(len(policy.critical_checks(a)) for a in track.activities()),
    )


# -- responses ---------------------------------------------------------------------------


class ResponsesError(ValueError):
    """The responses file cannot be used; ``problems`` are ``file:line: message``."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


def read_responses(path: Path, tracks: Iterable[Track]) -> ItemAnalysis:
    """Item analysis of exported attempt data: a CSV with a header row and the columns
    ``learner,item,score,max_score``, one row per learner and item.

    ``item`` must be an item of one of ``tracks``, and ``max_score`` its points. A learner
    without a row for an item scored 0 on it (export only items every learner was given).
    Every problem is reported at once, with its line, as ``ResponsesError``.
    """
    points = {item.id: item.points for t in tracks for a in t.activities() for item in a.items}
    problems: list[str] = []
    scores: dict[str, dict[str, float]] = {}
    first_line: dict[tuple[str, str], int] = {}
    try:
        with path.open(newline="", encoding="utf-8") as handle:
            reader = csv.DictReader(handle)
            header = reader.fieldnames or []
            if sorted(header) != sorted(RESPONSE_COLUMNS):
                raise ResponsesError(
                    [
                        f"{path}:1: the header must name the columns "
                        f"{','.join(RESPONSE_COLUMNS)} (found {','.join(header) or 'nothing'})"
                    ]
                )
            for row in reader:
                where = f"{path}:{reader.line_num}"
                parsed = _response(row, points, where, problems)
                if parsed is None:
                    continue
                learner, item, score = parsed
                if (learner, item) in first_line:
                    problems.append(
                        f"{where}: learner {learner!r} already has a row for item {item!r} "
                        f"(line {first_line[learner, item]})"
                    )
                    continue
                first_line[learner, item] = reader.line_num
                scores.setdefault(learner, {})[item] = score
    except (OSError, UnicodeDecodeError, csv.Error) as error:
        raise ResponsesError([f"{path}: cannot be read: {error}"]) from None
    if not problems and not scores:
        problems.append(f"{path}: there are no responses after the header")
    if problems:
        raise ResponsesError(problems)
    items = sorted({item for answered in scores.values() for item in answered})
    return analyse_items(
        [[answered.get(item) for item in items] for answered in scores.values()],
        max_scores=[points[item] for item in items],
        item_ids=items,
        missing="zero",
    )


def _response(
    row: Mapping[str, str | None], points: Mapping[str, float], where: str, problems: list[str]
) -> tuple[str, str, float] | None:
    """One row's learner, item and score; ``None`` after recording what is wrong with it."""
    # csv gives None for a missing cell and puts extra cells under the key None.
    cells = {c: value for c in RESPONSE_COLUMNS if (value := row.get(c)) is not None}
    if None in row or len(cells) != len(RESPONSE_COLUMNS):
        problems.append(f"{where}: expected {len(RESPONSE_COLUMNS)} columns")
        return None
    learner, item = cells["learner"].strip(), cells["item"].strip()
    before = len(problems)
    if not learner:
        problems.append(f"{where}: 'learner' is empty")
    if item not in points:
        problems.append(f"{where}: {item!r} is not an item of the tracks audited")
    numbers = {}
    for column in ("score", "max_score"):
        try:
            numbers[column] = float(cells[column])
        except ValueError:
            problems.append(f"{where}: {column} {cells[column]!r} is not a number")
            continue
        if not math.isfinite(numbers[column]):
            problems.append(f"{where}: {column} {cells[column]!r} is not a finite number")
    if len(problems) > before:
        return None
    score, max_score = numbers["score"], numbers["max_score"]
    if max_score != points[item]:
        problems.append(
            f"{where}: max_score {max_score:g} is not the {points[item]:g} points item "
            f"{item!r} is worth (responses to another version of the item?)"
        )
    elif not 0 <= score <= max_score:
        problems.append(f"{where}: score {score:g} is not between 0 and {max_score:g}")
    return None if len(problems) > before else (learner, item, score)


# -- the audit of a track ----------------------------------------------------------------


@dataclasses.dataclass(frozen=True, slots=True)
class ItemReview:
    item: str
    difficulty: float | None
    discrimination: float | None  #: item-rest correlation
    flags: tuple[ItemFlag, ...]


@dataclasses.dataclass(frozen=True, slots=True)
class TrackAudit:
    track: Track
    bias: Bias
    certification: Certification
    labs: tuple[LabAudit, ...] | None  #: None when labs were not audited
    items: tuple[ItemReview, ...] | None  #: None without responses


def audit_tracks(
    tracks: Iterable[Track],
    *,
    labs: bool = True,
    seeds: int = DEFAULT_SEEDS,
    responses: ItemAnalysis | None = None,
    progress: Progress | None = None,
) -> list[TrackAudit]:
    """Audit each track. A lab shared through ``extends`` is graded once."""
    graded: dict[Path, LabAudit] = {}
    audits = []
    for track in tracks:
        lab_audits = None
        if labs:
            folders = [a.lab.path for a in track.activities() if a.lab is not None]
            for folder in folders:
                if folder not in graded:
                    graded[folder] = audit_lab(folder, seeds=seeds, progress=progress)
            lab_audits = tuple(graded[folder] for folder in folders)
        audits.append(
            TrackAudit(
                track,
                bias(questions(track)),
                certification(track),
                lab_audits,
                _reviews(track, responses) if responses is not None else None,
            )
        )
    return audits


def _reviews(track: Track, analysis: ItemAnalysis) -> tuple[ItemReview, ...]:
    ids = {item.id for activity in track.activities() for item in activity.items}
    return tuple(
        ItemReview(stats.item_id, stats.difficulty, stats.discrimination, item_flags(stats))
        for stats in analysis.items
        if stats.item_id in ids
    )


def as_json(audits: Iterable[TrackAudit]) -> dict[str, Any]:
    """The ``--json`` report: one object with a ``tracks`` list."""
    return {"tracks": [_track_json(audit) for audit in audits]}


def _track_json(audit: TrackAudit) -> dict[str, Any]:
    measured = audit.bias
    row: dict[str, Any] = {
        "id": audit.track.id,
        "questions": measured.questions,
        "longest_option_share": _rounded(measured.longest_option_share),
        "position_share": _rounded(measured.position_share),
        "best_option_positions": list(measured.positions),
        "all_none_of_the_above": len(measured.above_options),
        "all_none_of_the_above_options": list(measured.above_options),
        "labs": [_lab_json(lab) for lab in audit.labs or ()],
        "labs_audited": audit.labs is not None,
        "summative_activities": audit.certification.summative_activities,
        "unlimited_summative": list(audit.certification.unlimited_summative),
        "critical_checks": audit.certification.critical_checks,
    }
    if audit.items is not None:
        row["items"] = [
            {
                "id": review.item,
                "difficulty": _rounded(review.difficulty),
                "discrimination": _rounded(review.discrimination),
                "flags": [flag.name.lower() for flag in review.flags],
                "reasons": [flag.value for flag in review.flags],
            }
            for review in audit.items
        ]
    return row


def _lab_json(lab: LabAudit) -> dict[str, Any]:
    return {
        "id": lab.id,
        "mutation_kill_rate": _rounded(lab.mutation_kill_rate),
        "mutants": lab.mutants,
        "equivalent": lab.equivalent,
        "killed": lab.killed,
        "survivors": [dataclasses.asdict(survivor) for survivor in lab.survivors],
        "wrong_solutions": lab.wrong_solutions,
        "wrong_solutions_caught": lab.wrong_solutions_caught,
        "wrong_solutions_missed": list(lab.wrong_solutions_missed),
        "seeds": list(lab.seeds) if lab.seeds is not None else None,
        "problems": list(lab.problems),
        "warnings": list(lab.warnings),
    }


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


def report_lines(audits: Iterable[TrackAudit]) -> Iterator[str]:
    """The readable report: per track, what to look at first."""
    for audit in audits:
        measured, cert = audit.bias, audit.certification
        yield f"{audit.track.id}"
        if measured.questions:
            positions = ", ".join(f"#{i + 1}: {n}" for i, n in enumerate(measured.positions))
            yield (
                f"  choices: {measured.questions} single-choice items and scenario decisions; "
                f"the best option is the longest in {measured.longest_option_share:.0%}, "
                f"at one position in at most {measured.position_share:.0%} ({positions})"
            )
        else:
            yield "  choices: no single-choice items or scenario decisions"
        if measured.above_options:
            yield f"  'of the above' options: {', '.join(measured.above_options)}"
        unlimited = ", ".join(cert.unlimited_summative) or "none"
        yield (
            f"  certification: {cert.summative_activities} summative activities "
            f"(unlimited attempts: {unlimited}), {cert.critical_checks} critical check(s)"
        )
        if audit.labs is None:
            yield "  labs: not audited (--no-labs)"
        for lab in audit.labs or ():
            yield from _lab_lines(lab)
        for review in audit.items or ():
            for flag in review.flags:
                yield f"  item {review.item}: {flag.value}"


def _lab_lines(lab: LabAudit) -> Iterator[str]:
    rate = lab.mutation_kill_rate
    shown = "n/a" if rate is None else f"{rate:.0%}"
    seeds = f", seeds {', '.join(map(str, lab.seeds))}" if lab.seeds else ""
    yield (
        f"  lab {lab.id}: mutation kill rate {shown} ({lab.killed} of "
        f"{lab.mutants - lab.equivalent} killed, {lab.equivalent} declared equivalent{seeds}); "
        f"wrong solutions caught {lab.wrong_solutions_caught} of {lab.wrong_solutions}"
    )
    for problem in lab.problems:
        yield f"    problem: {problem}"
    for warning in lab.warnings:
        yield f"    warning: {warning}"
    for name in lab.wrong_solutions_missed:
        yield f"    wrong solution {name} got full marks"
    for survivor in lab.survivors:
        yield f"    survived {survivor.id}: {survivor.before}  →  {survivor.after}"
