"""Staff, credential, privacy and shared pages speak one language at a time, and reflow.

A Spanish launch on the sample track (English content, partly translated) must give pages
with no English outside ``lang="en"``: every string through gettext, track content marked
with its language, and what the LMS names or people write (course and link titles, names,
answers, comments) in ``lang=""``. The names and titles below are English on purpose, so
that an unmarked one is caught. Numbers and dates follow the page's language, and every
table sits in a labelled region that scrolls on its own at 320 px.
"""

from __future__ import annotations

import datetime as dt
import re
from html.parser import HTMLParser
from types import SimpleNamespace

from babel.dates import format_date
from flask import render_template
from sqlalchemy import select

from lti_tool.db import transaction
from lti_tool.gradesync.outbox import JOB_KIND, group_key
from lti_tool.models import Job, JobStatus, LearnerAccommodation, ResourceLink, User, utcnow
from tests.conftest import csrf_token_of as token
from tests.language_check import english_outside_lang_en
from tests.simulated_lms import DELETE, LTI
from tests.test_credentials_renewal import hold_credential
from tests.test_deep_linking import DL
from tests.test_gradebook import answer_quiz
from tests.test_learner_work_page import QUIZ_ANSWERS, walk_scenario
from tests.test_privacy_export import PDF, grade_labs, submit_lab
from tests.test_project_files import hand_in as hand_in_project

ADMIN = "http://purl.imsglobal.org/vocab/lis/v2/institution/person#Administrator"
COURSE = {"id": "course-es", "title": "Intro to the models", "label": "AI-101"}
LINK = {"id": "link-basics", "title": "The basics of the course"}
PLACED = {LTI + "custom": {"skillcert_target": "module:sample/basics"}}
LEARNER = "Ada of the Valley"
TEACHERS = {"teacher-1": "Grace of the Navy", "teacher-2": "Kate with the Slide Rule"}
#: Five more learners, so that item analysis has a chart (item id → answer).
OTHERS = [
    {"q-temperature": "zero", "q-accuracy": "90"},
    {"q-temperature": "zero", "q-accuracy": "90"},
    {"q-temperature": "one", "q-accuracy": "1"},
    {"q-temperature": "one", "q-accuracy": "1"},
    {"q-temperature": "zero", "q-accuracy": "1"},
]
NBSP = "\u00a0"


def in_language(locale: str, **claims) -> dict:
    return {**claims, LTI + "launch_presentation": {"locale": locale}}


def launched(course, locale: str, role: str = "learner", **fields):
    """A client launched into the course, on the basics link, in ``locale``."""
    client = course.app.test_client()
    fields.setdefault("context", COURSE)
    fields.setdefault("resource_link", LINK)
    fields.setdefault("claims", in_language(locale, **PLACED))
    response = course.launch(role, client=client, **fields)
    assert response.status_code in (200, 302), response.get_data(as_text=True)
    return client


def user_id(app, sub: str) -> int:
    with transaction(app) as session:
        return session.scalar(select(User.id).where(User.sub == sub))


def get(client, path: str, status: int = 200, **headers: str) -> str:
    response = client.get(path, headers=headers)
    assert response.status_code == status, path
    return response.get_data(as_text=True)


def project_attempt(client) -> int:
    """The first project waiting in this grader's queue."""
    queue = get(client, "/teach/grading")
    return int(re.search(r'action="/teach/grading/(\d+)/project"', queue).group(1))


def mark_project(client, attempt_id: int, method: str, risks: str, comment: str) -> None:
    queue = get(client, "/teach/grading")
    response = client.post(
        f"/teach/grading/{attempt_id}/project",
        data={
            "csrf_token": token(queue),
            "level-method": method,
            "level-risks": risks,
            "comment-method": comment,
            "comment": comment,
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)


def add_dead_score(app, learner: int) -> None:
    """A score the LMS refused, as the grade-sync worker leaves it."""
    with transaction(app) as session:
        link = session.scalar(
            select(ResourceLink).where(ResourceLink.resource_link_id == LINK["id"])
        )
        session.add(
            Job(
                kind=JOB_KIND,
                group_key=group_key(session.get_one(User, learner).registration_id),
                lock_key=f"score:{link.id}:{learner}:basics-quiz",
                payload={
                    "context": link.context_id,
                    "user": learner,
                    "link": link.id,
                    "activity": "basics-quiz",
                },
                status=JobStatus.DEAD,
                last_error="The line item was deleted in the LMS. Not found",
                finished_at=utcnow(),
            )
        )


def build_course(course, locale: str) -> dict:
    """A course with something on every staff page: a learner with a quiz (one answer to
    grade), a scenario, a project with a file, a graded lab and an expiring credential;
    five more quiz takers; two projects marked twice (one in moderation, one released); a
    score the LMS refused; an administrator. The clients and ids the pages need."""
    ada = launched(course, locale, sub="ada", name=LEARNER)
    answer_quiz(course, ada, **{k.removeprefix("answer-"): v for k, v in QUIZ_ANSWERS.items()})
    walk_scenario(ada)
    assert hand_in_project(ada, "A plan for the team.", [("plan.pdf", PDF)]).status_code == 302
    submit_lab(ada)
    grade_labs(course.app, "ada")
    hold_credential(course.app, "ada", valid_until=utcnow() + dt.timedelta(days=60))
    bob = launched(course, locale, sub="bob", name="Bob the Builder")
    assert hand_in_project(bob, "Another plan.").status_code == 302
    for n, answers in enumerate(OTHERS):
        answer_quiz(course, launched(course, locale, sub=f"l{n}", name=f"Learner {n}"), **answers)
    first, second = (
        launched(course, locale, "instructor", sub=sub, name=name) for sub, name in TEACHERS.items()
    )
    ada_project = project_attempt(first)  # marks far apart: moderation
    mark_project(first, ada_project, "strong", "present", "Good and the risks are clear.")
    mark_project(second, ada_project, "partial", "named", "Thin and the data is missing.")
    bob_project = project_attempt(first)  # one level apart: released
    mark_project(first, bob_project, "sound", "present", "Fine for the team.")
    mark_project(second, bob_project, "strong", "weighed", "Fine.")
    add_dead_score(course.app, user_id(course.app, "ada"))
    admin = launched(course, locale, sub="admin-1", name="Admin of the School", roles=[ADMIN])
    return {
        "learner": ada,
        "instructor": first,
        "admin": admin,
        "ada": user_id(course.app, "ada"),
        "ada_project": ada_project,
        "bob_project": bob_project,
    }


def staff_pages(built: dict) -> dict[str, str]:
    """Every page of the built course, path → HTML (each answers 200)."""
    ada = built["ada"]
    found = get(built["admin"], "/admin/privacy?q=ada")
    erase = re.search(r'href="(/admin/privacy/erase/\d+)"', found).group(1)
    wallet = get(built["learner"], "/learn/credentials")
    credential = re.search(r'href="(/credentials/[\w-]{36})"', wallet).group(1)
    visits = {
        "instructor": [
            "/teach/",
            "/teach/gradebook",
            "/teach/grading",
            "/teach/grade-sync",
            "/teach/accommodations",
            f"/teach/learner/{ada}/sample/basics-quiz",
            f"/teach/learner/{ada}/sample/ethics-scenario",
            f"/teach/learner/{ada}/sample/capstone-project",
            f"/teach/learner/{ada}/sample/prompt-lab",
            f"/teach/learner/{ada}",
            "/teach/analysis/sample/basics-quiz",
            "/teach/moderation",
            f"/teach/marking/{built['ada_project']}",
            f"/teach/marking/{built['bob_project']}",
            "/teach/grading-history",
            "/teach/agreement/sample/capstone-project",
        ],
        "admin": ["/admin/credentials", "/admin/privacy?q=ada", erase, "/admin/privacy/access-log"],
        "learner": ["/learn/credentials", "/learn/privacy", credential],
    }
    return {path: get(built[who], path) for who, paths in visits.items() for path in paths}


def english_found(pages: dict[str, str]) -> dict[str, list[str]]:
    return {path: found for path, html in pages.items() if (found := english_outside_lang_en(html))}


# -- one language at a time -----------------------------------------------------------------


def test_every_staff_page_in_spanish_has_no_english_outside_lang_en(course):
    built = build_course(course, "es-MX")
    pages = staff_pages(built)
    assert all('<html lang="es">' in html for html in pages.values())
    assert english_found(pages) == {}
    # What the LMS names and people write is marked as of unknown language, not left out.
    gradebook = pages["/teach/gradebook"]
    assert f'<th scope="row" lang="">{LEARNER}</th>' in gradebook
    assert f'<span lang="">{COURSE["title"]}</span>' in gradebook  # header and heading
    moderation = pages["/teach/moderation"]
    assert '<span class="meta" lang="">Thin and the data is missing.</span>' in moderation
    assert f'<span lang="">{TEACHERS["teacher-1"]}</span>' in moderation
    # Track content, in English, is marked so: titles, rubric criteria, questions.
    assert '<span lang="en">Check your understanding</span>' in gradebook
    assert '<th scope="row" lang="en">Risks to people</th>' in moderation
    work = pages[f"/teach/learner/{built['ada']}/sample/basics-quiz"]
    assert '<div class="stem prose" lang="en">' in work
    assert '<div class="answer" lang="">Unseen data shows whether the model generalises.' in work


def test_english_pages_mark_no_content_as_another_language(course):
    pages = staff_pages(build_course(course, "en-US"))
    for path, html in pages.items():
        assert '<html lang="en">' in html, path
        assert 'lang="en"' not in html.split("<body>", 1)[1], path  # the page's own language
    assert f'<th scope="row" lang="">{LEARNER}</th>' in pages["/teach/gradebook"]


def test_content_pickers_in_spanish_have_no_english_outside_lang_en(course):
    course.launch(
        "instructor",
        resource_link={"id": "link-unplaced", "title": "The new link"},
        context=COURSE,
        claims=in_language("es-MX"),
    )
    chooser = get(course.client, "/teach/")
    assert "picker.js" in chooser  # the link opens nothing yet: the tree is offered
    placer = course.app.test_client()
    deep_linking = {
        LTI + "message_type": "LtiDeepLinkingRequest",
        LTI + "resource_link": DELETE,
        DL + "deep_linking_settings": {
            "deep_link_return_url": course.sim.url + "/deep-link-return",
            "accept_types": ["ltiResourceLink"],
            "accept_presentation_document_targets": ["iframe"],
            "accept_multiple": True,
        },
    }
    course.launch(
        "instructor", client=placer, context=COURSE, claims=in_language("es", **deep_linking)
    )
    picker = get(placer, "/teach/deep-link")
    assert english_found({"chooser": chooser, "deep link": picker}) == {}
    # A translated module speaks Spanish; an untranslated title is marked English.
    assert "Módulo: Conceptos básicos" in picker
    assert '<span class="picker-name" lang="en">Sample Practitioner</span>' in picker


def test_public_pages_follow_the_browsers_language(course):
    course.launch(sub="ada", name=LEARNER)
    held = hold_credential(course.app, "ada", valid_until=utcnow() + dt.timedelta(days=400))
    visitor = course.app.test_client()  # no launch: an employer following a shared link
    spanish = {"Accept-Language": "es"}
    pages = {
        "credential": get(visitor, f"/credentials/{held}", **spanish),
        "achievement": get(visitor, "/credentials/tracks/sample", **spanish),
        "front page": get(visitor, "/", **spanish),
        "no such page": get(visitor, "/no-such-page", 404, **spanish),
        "no session": get(visitor, "/teach/", 401, **spanish),
    }
    assert english_found(pages) == {}
    credential = pages["credential"]
    assert '<h1 id="certificate-heading" lang="en">Sample Practitioner</h1>' in credential
    assert 'Correcta — <span class="url">No revocada.</span>' in credential
    assert '<div class="criteria" lang="en">' in pages["achievement"]
    english = get(visitor, f"/credentials/{held}", **{"Accept-Language": "en"})
    assert 'Passed — <span class="url">Not revoked.</span>' in english


def test_a_revoked_credential_says_why_in_the_visitors_language(course):
    course.launch(sub="ada", name=LEARNER)
    held = hold_credential(course.app, "ada", valid_until=utcnow() + dt.timedelta(days=400))
    admin = launched(course, "es", sub="admin-1", roles=[ADMIN], context=COURSE)
    page = get(admin, "/admin/credentials")
    revoked = admin.post(
        f"/admin/credentials/{held}/revoke",
        data={"csrf_token": token(page), "reason": "Copied the capstone"},
    )
    assert revoked.status_code == 302
    shown = get(course.app.test_client(), f"/credentials/{held}", **{"Accept-Language": "es"})
    assert 'Fallida — <span class="url">El emisor ha revocado esta credencial.</span>' in shown
    listed = get(admin, "/admin/credentials?status=revoked")
    assert '<span class="meta" lang="">Copied the capstone</span>' in listed
    assert english_found({"public": shown, "admin": listed}) == {}


def test_pages_before_a_launch_render_in_spanish(course):
    """The LTI hand-off pages and the Deep Linking return, rendered as the launch does."""
    with course.app.test_request_context(headers={"Accept-Language": "es"}):
        storage = {"storage_target": "_parent", "state": "s", "platform_origin": "https://lms"}
        pages = {
            "new window": render_template("lti/new_window.html", new_window_url="/x"),
            "continue": render_template("lti/continue_new_window.html", handoff_url="/x"),
            "returning": render_template(
                "lti/deep_link_return.html", return_url="https://lms/r", token="t", items=[1, 2]
            ),
            "storage get": render_template(
                "lti/platform_storage_get.html",
                state=SimpleNamespace(**storage),
                platform_origin="https://lms",
                id_token="t",
                new_window_url="/x",
            ),
            "storage put": render_template(
                "lti/platform_storage_put.html",
                redirect_=SimpleNamespace(**storage, browser_secret="b", auth_url="/a"),
            ),
        }
    assert all('<html lang="es">' in html for html in pages.values())
    assert english_found(pages) == {}


def test_a_problem_saved_in_spanish_is_worded_in_the_instructors_language(course):
    learner = launched(course, "es", sub="ada", name=LEARNER)
    answer_quiz(course, learner, **{"q-accuracy": "noventa"})  # not a number: not scored
    teacher = launched(course, "en", "instructor", sub="teacher-1", name="Grace")
    page = get(teacher, f"/teach/learner/{user_id(course.app, 'ada')}/sample/basics-quiz")
    assert "Not scored: Enter a number, like 12.5 or -3." in page


# -- numbers and dates in the page's language -------------------------------------------------


def test_numbers_are_english_in_english_and_spanish_in_spanish(course):
    built = build_course(course, "en-US")
    english, ada = built["instructor"], built["ada"]
    spanish = launched(course, "es", "instructor", sub="teacher-3", name="Ida")

    def both(path: str) -> tuple[str, str]:
        return get(english, path), get(spanish, path)

    # Ada's counted quiz score: 4 of 15 points.
    en, es = both("/teach/gradebook")
    assert "<strong>26.7%</strong>" in en and f"<strong>26,7{NBSP}%</strong>" in es
    # No pair of marks agrees exactly; kappa is negative.
    en, es = both("/teach/agreement/sample/capstone-project")
    assert "<td>4</td><td>0.0%</td><td>-0.333</td>" in en
    assert f"<td>4</td><td>0,0{NBSP}%</td><td>-0,333</td>" in es
    # The second grader gave Ada's project 2.5 points of 10.
    en, es = both(f"/teach/marking/{built['ada_project']}")
    assert "<td>2.5 / 10</td>" in en and "<td>2,5 / 10</td>" in es
    en, es = both(f"/teach/learner/{ada}/sample/prompt-lab")
    assert "<td>50.0%</td>" in en and f"<td>50,0{NBSP}%</td>" in es
    # Dates and times in the locale's own order, never ISO, on the pages people read.
    today = dt.datetime.now(dt.UTC)
    en, es = both("/teach/grading-history")
    time = r"\d{1,2}:\d\d:\d\d"
    assert re.search(rf"{today:%b} {today.day}, {today.year}, {time}\s[AP]M", en)
    month = format_date(today, "MMM", locale="es")
    assert re.search(rf"{today.day} {month} {today.year}, {time}</td>", es)
    for html in (en, es):
        assert not re.search(r"\d{4}-\d\d-\d\d", html.split("<main", 1)[1])
    expires = format_date(today + dt.timedelta(days=60), "long", locale="en")
    assert expires in get(built["learner"], "/learn/credentials")  # "February 4, 2027"


def test_accommodations_take_the_number_as_the_page_writes_it(course):
    launched(course, "es", sub="ada", name=LEARNER)
    teacher = launched(course, "es", "instructor", sub="teacher-1")
    ada = user_id(course.app, "ada")
    page = get(teacher, "/teach/accommodations")
    saved = teacher.post(
        f"/teach/accommodations/{ada}",
        data={"csrf_token": token(page), "extra_time_multiplier": "1,5", "extra_attempts": "1"},
    )
    assert saved.status_code == 302
    with transaction(course.app) as session:
        granted = session.scalar(select(LearnerAccommodation))
        assert (granted.extra_time_multiplier, granted.extra_attempts) == (1.5, 1)
    assert 'value="1,5"' in get(teacher, "/teach/accommodations")
    # Typed the English way on a Spanish page, it is still read as one and a half.
    teacher.post(
        f"/teach/accommodations/{ada}",
        data={"csrf_token": token(page), "extra_time_multiplier": "1.25", "extra_attempts": "0"},
    )
    with transaction(course.app) as session:
        assert session.scalar(select(LearnerAccommodation)).extra_time_multiplier == 1.25


def test_the_course_history_says_how_each_action_left_the_work(course):
    built = build_course(course, "en-US")
    history = get(built["instructor"], "/teach/grading-history")
    outcomes = re.findall(
        r"<td>(Waiting for a second mark|Sent to moderation|Score released)</td>", history
    )
    # Newest first: Bob's project released, then its first mark; Ada's in moderation, first mark.
    assert outcomes == [
        "Score released",
        "Waiting for a second mark",
        "Sent to moderation",
        "Waiting for a second mark",
    ]


# -- reflow at 320 px --------------------------------------------------------------------------


class _Tables(HTMLParser):
    """Tables not inside a labelled, focusable scroll region; ids on the page."""

    def __init__(self) -> None:
        super().__init__()
        self.open: list[tuple[str, dict[str, str]]] = []
        self.regions: list[dict[str, str]] = []  # the scroll regions each table sits in
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if "id" in values:
            self.ids.add(values["id"])
        if tag == "table":
            scroll = [a for t, a in self.open if "table-scroll" in a.get("class", "").split()]
            self.regions.append(scroll[-1] if scroll else {})
        if tag not in ("br", "img", "input", "meta", "link", "hr", "col", "source", "wbr"):
            self.open.append((tag, values))

    def handle_endtag(self, tag: str) -> None:
        for depth in range(len(self.open) - 1, -1, -1):
            if self.open[depth][0] == tag:
                del self.open[depth:]
                return


def unlabelled_tables(html: str) -> list[dict[str, str]]:
    """Tables whose region is missing, is not role=region with tabindex 0, or whose label
    names nothing on the page."""
    parser = _Tables()
    parser.feed(html)
    return [
        region
        for region in parser.regions
        if region.get("role") != "region"
        or region.get("tabindex") != "0"
        or not (region.get("aria-label") or region.get("aria-labelledby") in parser.ids)
    ]


def test_every_table_scrolls_in_a_labelled_region_and_long_text_wraps(course):
    built = build_course(course, "en-US")
    pages = staff_pages(built)
    assert {path: found for path, html in pages.items() if (found := unlabelled_tables(html))} == {}
    assert sum(html.count("<table") for html in pages.values()) > 15  # the check saw tables
    for path, html in pages.items():
        assert not re.search(r"<textarea[^>]*\scols=", html), path  # fields fit the screen
    wallet = pages["/learn/credentials"]
    assert re.search(r'<code class="url">http://localhost/credentials/[\w-]{36}</code>', wallet)
    credential = next(html for path, html in pages.items() if path.startswith("/credentials/"))
    assert re.search(r'<a class="url" href="http://localhost/credentials/[\w-]{36}">', credential)
