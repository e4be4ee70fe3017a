"""Evidence of mastery: the activity-by-competency matrix of a track and the course's cohort
heat map, as a page and as CSV, in English and Spanish, for this course's instructors only."""

from __future__ import annotations

import csv
import dataclasses
import io
import re

from sqlalchemy import select

from assessments.labs.results import LabResult, ResultStatus
from assessments.model import ActivityKind
from assessments.policy import completion
from lti_tool.db import transaction
from lti_tool.learning.competencies import mastery, summary
from lti_tool.learning.competency_matrix import Alignment, band, matrix
from lti_tool.models import (
    AccessKind,
    AccessLogEntry,
    Attempt,
    AttemptStatus,
    LabSubmission,
    SubmissionStatus,
    User,
)
from lti_tool.progress import TrackProgress
from tests.language_check import english_outside_lang_en
from tests.simulated_lms import LTI
from tests.test_gradebook import take_quiz

TRACK_LINK = {"id": "link-track", "title": "The whole track"}
PLACE_TRACK = {LTI + "custom": {"skillcert_target": "track:sample"}}
SPANISH = {LTI + "launch_presentation": {"locale": "es-MX"}}


# -- the matrix, against a hand count of tests/assessments/sample_track ----------------------

#: From the track's files: per module, each assessed activity (lessons are not), its kind,
#: summative or practice, and per competency (prompting, evaluation, ethics) how it assesses
#: it: "✓" the activity itself, a number how many of its questions do, "" not at all. A
#: question naming no competency takes its activity's: basics/module.yaml's quiz names
#: prompting, five of its seven questions name evaluation, the other two none; all three
#: questions of basics/exam.yaml and both of the warm-up's name none (prompting); the lab,
#: scenario and project name theirs (practice/, ethics/, capstone/module.yaml).
HAND_COUNT = {
    "basics": [
        ("basics-quiz", "quiz", True, (2, 5, "")),
        ("basics-exam", "exam", True, (3, "", "")),
    ],
    "ethics": [("ethics-scenario", "scenario", True, ("", "", "✓"))],
    "practice": [
        ("warm-up", "quiz", False, (2, "", "")),
        ("prompt-lab", "lab", True, ("✓", "✓", "")),
    ],
    "capstone": [("capstone-project", "project", True, ("", "✓", "✓"))],
}


def shown(cell: Alignment | None) -> int | str:
    """A cell as the page shows it: the number of questions, else a check mark."""
    if cell is None:
        return ""
    return cell.items or "✓"


def test_the_sample_tracks_matrix_matches_a_hand_count_of_its_files(sample_track):
    found = matrix(sample_track)
    assert [total.competency.id for total in found.totals] == ["prompting", "evaluation", "ethics"]
    assert {
        group.module.id: [
            (row.activity.id, row.activity.kind.value, row.summative, tuple(map(shown, row.cells)))
            for row in group.rows
        ]
        for group in found.modules
    } == HAND_COUNT  # "whats-new" has only a lesson: no row, no module
    prompting, evaluation, ethics = found.totals
    # prompting: the quiz, the exam, the warm-up (practice) and the lab.
    assert (prompting.activities, prompting.summative) == (4, 3)
    Q, E, L, S, P = (ActivityKind(k) for k in ("quiz", "exam", "lab", "scenario", "project"))
    assert prompting.kinds == ((L, 1), (Q, 2), (E, 1))  # in ActivityKind's order
    assert (evaluation.activities, evaluation.summative) == (3, 3)
    assert evaluation.kinds == ((L, 1), (P, 1), (Q, 1))
    assert (ethics.activities, ethics.summative, ethics.kinds) == (2, 2, ((S, 1), (P, 1)))
    assert not any(total.gap for total in found.totals)


def test_a_competency_only_practice_assesses_is_a_curriculum_gap(sample_track):
    # Ethics assessed by nothing summative: its scenario and project turned into practice.
    practice = dataclasses.replace(sample_track.activity("warm-up").attempt_policy)
    modules = tuple(
        dataclasses.replace(
            module,
            activities=tuple(
                dataclasses.replace(a, policy=practice) if "ethics" in a.competencies else a
                for a in module.activities
            ),
        )
        for module in sample_track.modules
    )
    ethics = matrix(dataclasses.replace(sample_track, modules=modules)).totals[2]
    assert (ethics.activities, ethics.summative, ethics.gap) == (2, 0, True)


def test_colour_bands_start_at_50_70_and_85():
    assert [band(s) for s in (None, 0.0, 0.499, 0.5, 0.699, 0.7, 0.849, 0.85, 1.0)] == [
        None,
        "low",
        "low",
        "fair",
        "fair",
        "good",
        "good",
        "high",
        "high",
    ]


def test_my_progress_and_the_heat_map_share_one_rule_practice_left_out(sample_track):
    scores = {"basics-quiz": 0.9, "warm-up": 0.1, "prompt-lab": None}
    report = TrackProgress(sample_track, completion(sample_track, scores), scores, frozenset())
    prompting = summary(report)[0]
    # The practice warm-up is evidence the learner sees, but not mastery; the lab awaits.
    assert [e.activity.id for e in prompting.evidence if e.score is not None] == [
        "basics-quiz",
        "warm-up",
    ]
    assert prompting.mean == mastery((e.activity, e.score) for e in prompting.evidence) == 0.9


# -- the heat map: two learners with known scores ---------------------------------------------


def store_work(course, name: str, activity_id: str, score: float) -> None:
    """Graded work as the grader or marking stores it, beside the learner's quiz attempt:
    a graded lab submission for the lab, a marked attempt otherwise."""
    with transaction(course.app) as session:
        user_id = session.scalar(select(User.id).where(User.name == name))
        quiz = session.scalars(select(Attempt).where(Attempt.user_id == user_id)).first()
        where = {
            "registration_id": quiz.registration_id,
            "deployment_id": quiz.deployment_id,
            "context_id": quiz.context_id,
            "user_id": user_id,
            "track_id": "sample",
            "activity_id": activity_id,
            "content_versions": {},
        }
        if activity_id == "prompt-lab":
            result = LabResult(lab_id=activity_id, status=ResultStatus.GRADED, score=score)
            session.add(
                LabSubmission(
                    **where,
                    archive=b"",
                    status=SubmissionStatus.GRADED,
                    score=score,
                    result=result.to_dict(),
                )
            )
        else:
            session.add(
                Attempt(
                    **where,
                    number=1,
                    status=AttemptStatus.SUBMITTED,
                    score=score,
                    result={"status": "graded"},
                )
            )


def build_cohort(course, extra=None):
    """The course places the whole track. Ada: quiz 10 % (one answer right, through the real
    pages), lab 80 %, project 60 %, and 100 % on the warm-up, which is practice and must not
    count. Bob: quiz 0 %. Cy only launches. Then the instructor opens the link."""
    claims = PLACE_TRACK | (extra or {})
    for sub, name, answer in (("ada", "Ada Lovelace", "zero"), ("bob", "Bob", "one")):
        client = course.app.test_client()
        course.launch(client=client, sub=sub, name=name, resource_link=TRACK_LINK, claims=claims)
        take_quiz(course, client, answer)
    for activity_id, score in (("prompt-lab", 0.8), ("capstone-project", 0.6), ("warm-up", 1.0)):
        store_work(course, "Ada Lovelace", activity_id, score)
    cy = course.app.test_client()
    course.launch(client=cy, sub="cy", name="Cy", resource_link=TRACK_LINK, claims=claims)
    course.launch("instructor", resource_link=TRACK_LINK, claims=claims)


#: By hand, mean counted scores over graded summative work aligned to each competency:
#: prompting: Ada (quiz .1 + lab .8) / 2 = 45 %; Bob quiz 0 %.
#: evaluation: Ada (quiz .1 + lab .8 + project .6) / 3 = 50 %; Bob 0 %.
#: ethics: Ada project 60 % (the scenario is not done); Bob nothing graded.
#: Cohort: (45 + 0) / 2 = 22.5 %, (50 + 0) / 2 = 25 %, 60 %; Cy has nothing graded.
EXPECTED = {
    "Ada Lovelace": ["45.0%", "50.0%", "60.0%"],
    "Bob": ["0.0%", "0.0%", "—"],
    "Cy": ["—", "—", "—"],
    "Cohort mean": ["22.5%", "25.0%", "60.0%"],
}


def heat_rows(page: str) -> dict[str, list[str]]:
    """Row heading → the cells' texts, as the heat map shows them (a dash: nothing graded,
    said in words to screen readers)."""
    table = re.search(r'<table class="heat-map">(.*?)</table>', page, re.S).group(1)
    rows = {}
    for row in re.findall(r"<tr>(.*?)</tr>", table, re.S)[1:]:
        head = re.sub(r"<[^>]+>", "", re.search(r"<th.*?</th>", row, re.S).group(0)).strip()
        cells = re.findall(
            r"<td.*?</td>", re.sub(r'<span class="visually-hidden">.*?</span>', "", row)
        )
        rows[head] = [re.sub(r"<[^>]+>", "", td).strip() for td in cells]
    return rows


def test_heat_map_cells_are_the_hand_computed_means(course):
    build_cohort(course)
    page = course.client.get("/teach/competencies").text
    assert heat_rows(page) == EXPECTED
    # Colour bands by class, the value printed in the cell whatever its colour.
    assert '<td class="heat-low">45.0%</td>' in page
    assert (
        '<td><span aria-hidden="true">—</span><span class="visually-hidden">nothing graded yet'
        in page
    )
    assert '<td class="heat-fair">50.0%</td>' in page and '<td class="heat-fair">60.0%</td>' in page
    assert "below 50%" in page and "85% or more" in page and "70% to under 85%" in page
    # Each learner's name opens their work.
    ada = re.search(r'<a href="(/teach/learner/\d+)" lang="">Ada Lovelace</a>', page).group(1)
    work = course.client.get(ada)
    assert work.status_code == 200 and "Ada Lovelace" in work.text
    # The matrix of the placed track is on the same page.
    assert "Activities of Sample Practitioner by the competencies they assess" in page
    assert "4 activities (1 lab, 2 quizzes, 1 exam), 3 summative" in page
    assert "Curriculum gap" not in page


def test_the_csv_has_the_pages_numbers_and_neutralises_formulas(course):
    build_cohort(course)
    evil = course.app.test_client()
    course.launch(
        client=evil,
        sub="evil",
        name='=HYPERLINK("x")',
        resource_link=TRACK_LINK,
        claims=PLACE_TRACK,
    )
    response = course.client.get("/teach/competencies.csv")
    assert response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.text)))
    assert rows[0] == ["Learner", "Prompt design (%)", "Evaluation (%)", "Responsible use (%)"]
    by_name = {row[0]: row[1:] for row in rows[1:]}
    assert by_name == {
        "Ada Lovelace": ["45.0", "50.0", "60.0"],
        "Bob": ["0.0", "0.0", ""],
        "Cy": ["", "", ""],
        '\'=HYPERLINK("x")': ["", "", ""],  # a formula is neutralised, not run
        "Cohort mean": ["22.5", "25.0", "60.0"],
    }
    # A whole course's results left the tool: the access log says who took them.
    with transaction(course.app) as session:
        logged = session.scalars(select(AccessLogEntry).order_by(AccessLogEntry.id)).all()
        assert [(e.kind, e.detail, e.learner_id) for e in logged][-1] == (
            AccessKind.GRADEBOOK_CSV,
            "competencies",
            None,
        )


def test_learners_may_not_and_another_courses_instructor_sees_only_their_own(course):
    build_cohort(course)
    learner = course.app.test_client()
    course.launch(client=learner, sub="ada", name="Ada Lovelace", resource_link=TRACK_LINK)
    assert learner.get("/teach/competencies").status_code == 403
    assert learner.get("/teach/competencies.csv").status_code == 403

    other = course.app.test_client()
    course.launch(
        "instructor",
        client=other,
        context={"id": "course-2", "title": "Another course"},
        resource_link=TRACK_LINK,
        claims=PLACE_TRACK,
    )
    dan = course.app.test_client()
    course.launch(
        client=dan,
        sub="dan",
        name="Dan",
        context={"id": "course-2", "title": "Another course"},
        resource_link=TRACK_LINK,
        claims=PLACE_TRACK,
    )
    page = other.get("/teach/competencies").text
    assert list(heat_rows(page)) == ["Dan", "Cohort mean"]
    assert "Ada Lovelace" not in page and "Bob" not in page
    csv_names = [
        row[0] for row in csv.reader(io.StringIO(other.get("/teach/competencies.csv").text))
    ]
    assert csv_names == ["Learner", "Dan", "Cohort mean"]


def test_a_course_that_places_nothing_says_so(course):
    course.launch("instructor")
    page = course.client.get("/teach/competencies").text
    assert "No SkillCert track, module or activity is placed in this course yet." in page


def test_the_spanish_page_keeps_english_inside_lang_en_and_shows_no_ids(course):
    build_cohort(course, SPANISH)
    page = course.client.get("/teach/competencies").text
    assert '<html lang="es">' in page
    assert english_outside_lang_en(page) == []
    assert "22,5\xa0%" in page  # numbers the Spanish way
    assert "Competencias" in page
    # No row id, internal name or Python repr on the page.
    text = re.sub(r"<[^>]+>", " ", page)
    for leak in ("<Attempt", "object at 0x", "ActivityKind.", "None", "prompting", "basics-quiz"):
        assert leak not in text
    rows = list(csv.reader(io.StringIO(course.client.get("/teach/competencies.csv").text)))
    assert rows[0][0] == "Estudiante" and rows[-1][0] == "Media del grupo"
    assert rows[-1][1:] == ["22.5", "25.0", "60.0"]


def test_the_course_and_gradebook_pages_link_here(course):
    build_cohort(course)
    for path in ("/teach/", "/teach/gradebook"):
        assert 'href="/teach/competencies"' in course.client.get(path).text
