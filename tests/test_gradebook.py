"""The instructor's gradebook: placed activities by learners, CSV export, tenant scope."""

from __future__ import annotations

import csv
import io
import re

from tests.conftest import csrf_token_of as token
from tests.simulated_lms import LTI


def take_quiz(course, client, answer):
    page = client.get("/learn/a/sample/basics-quiz").get_data(as_text=True)
    attempt_url = client.post(
        "/learn/a/sample/basics-quiz/start", data={"csrf_token": token(page)}
    ).headers["Location"]
    data = {"csrf_token": token(page), "confirm": "yes", "answer-q-temperature": answer}
    client.post(attempt_url + "/save", data=data)
    assert client.post(attempt_url + "/submit", data=data).status_code == 302


def place_quiz(course):
    placed = {"id": "link-quiz", "title": "Quiz"}
    custom = {LTI + "custom": {"skillcert_target": "module:sample/basics"}}
    return placed, custom


def test_gradebook_and_csv_show_placed_activities_by_learner(course):
    link, custom = place_quiz(course)
    ada, evil = course.app.test_client(), course.app.test_client()
    course.launch(client=ada, sub="ada", name="Ada Lovelace", resource_link=link, claims=custom)
    take_quiz(course, ada, "zero")
    course.launch(
        client=evil, sub="evil", name='=HYPERLINK("x")', resource_link=link, claims=custom
    )
    course.launch("instructor", resource_link=link, claims=custom)

    page = course.client.get("/teach/gradebook").get_data(as_text=True)
    assert "Check your understanding" in page and "Basics exam" in page
    assert "Ada Lovelace" in page and "not started" in page and "submitted" in page

    response = course.client.get("/teach/gradebook.csv")
    assert response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0][0] == "Learner" and "Check your understanding (%)" in rows[0]
    by_name = {row[0]: row for row in rows[1:]}
    quiz = rows[0].index("Check your understanding (%)")
    assert float(by_name["Ada Lovelace"][quiz]) > 0
    assert '\'=HYPERLINK("x")' in by_name  # a formula is neutralised, not run


def test_gradebook_is_for_instructors_of_this_course_only(course):
    link, custom = place_quiz(course)
    course.launch(sub="ada", name="Ada", resource_link=link, claims=custom)
    assert course.client.get("/teach/gradebook").status_code == 403
    assert course.client.get("/teach/gradebook.csv").status_code == 403

    other_course = course.app.test_client()
    course.launch(
        "instructor",
        client=other_course,
        context={"id": "course-2", "title": "Another course"},
        resource_link=link,
        claims=custom,
    )
    page = other_course.get("/teach/gradebook").get_data(as_text=True)
    assert "No learner has launched SkillCert from this course yet." in page


def test_item_analysis_of_a_quiz_with_an_svg_chart(course):
    link, custom = place_quiz(course)
    answers = ["zero", "zero", "one", "zero", "one", "zero"]
    for n, answer in enumerate(answers):
        learner = course.app.test_client()
        course.launch(
            client=learner, sub=f"l{n}", name=f"Learner {n}", resource_link=link, claims=custom
        )
        take_quiz(course, learner, answer)
    course.launch("instructor", resource_link=link, claims=custom)
    gradebook_page = course.client.get("/teach/gradebook").get_data(as_text=True)
    assert "/teach/analysis/sample/basics-quiz" in gradebook_page
    page = course.client.get("/teach/analysis/sample/basics-quiz").get_data(as_text=True)
    assert "6 learners submitted" in page
    # One item answered: no discrimination can be worked out, so nothing to plot, said so.
    assert "there is no chart" in page
    # Distractor counts from the answers given (options by their ids).
    assert "<code>one</code>: 2, <code>two</code>: 0, <code>zero</code> (key): 4" in page
    assert "Reliability (Cronbach&#39;s alpha)" in page or "Reliability (Cronbach's alpha)" in page


def test_item_analysis_flags_a_question_everyone_gets_right(course):
    link, custom = place_quiz(course)
    for n in range(5):
        learner = course.app.test_client()
        course.launch(client=learner, sub=f"l{n}", name=f"L{n}", resource_link=link, claims=custom)
        take_quiz(course, learner, "zero")
    course.launch("instructor", resource_link=link, claims=custom)
    page = course.client.get("/teach/analysis/sample/basics-quiz").get_data(as_text=True)
    row = re.search(r'<th scope="row"><code>q-temperature</code></th>.*?</tr>', page, re.S).group(0)
    assert "Learners earn more than 95% of its points, so it separates almost nobody" in row


def test_item_analysis_waits_for_enough_learners_and_skips_pools(course):
    link, custom = place_quiz(course)
    course.launch("instructor", resource_link=link, claims=custom)
    page = course.client.get("/teach/analysis/sample/basics-quiz").get_data(as_text=True)
    assert (
        "Item analysis needs at least 5 learners&#39; submitted first attempts; 0 so far." in page
    )
    pooled = course.client.get("/teach/analysis/sample/basics-exam").get_data(as_text=True)
    assert "draws its questions from a pool" in pooled
    assert course.client.get("/teach/analysis/sample/intro").status_code == 400


def test_instructor_opens_a_learners_attempts_from_the_gradebook(course):
    link, custom = place_quiz(course)
    ada = course.app.test_client()
    course.launch(client=ada, sub="ada", name="Ada Lovelace", resource_link=link, claims=custom)
    take_quiz(course, ada, "one")
    course.launch("instructor", resource_link=link, claims=custom)
    page = course.client.get("/teach/gradebook").get_data(as_text=True)
    detail_url = re.search(r'href="(/teach/learner/\d+/sample/basics-quiz)"', page).group(1)
    detail = course.client.get(detail_url).get_data(as_text=True)
    assert "Ada Lovelace: Check your understanding" in detail
    assert "chosen, not correct" in detail and "q-temperature" not in detail

    other_course = course.app.test_client()
    course.launch("instructor", client=other_course, context={"id": "c2", "title": "Other"})
    refused = other_course.get(detail_url)
    assert refused.status_code == 400 and "not in this course" in refused.get_data(as_text=True)


def csv_rows(course):
    response = course.client.get("/teach/gradebook.csv")
    return list(csv.reader(io.StringIO(response.get_data(as_text=True))))


def test_gradebook_cell_counts_every_attempt_and_shows_the_latest_status(course):
    link, custom = place_quiz(course)
    ada = course.app.test_client()
    course.launch(client=ada, sub="ada", name="Ada Lovelace", resource_link=link, claims=custom)
    course.launch("instructor", resource_link=link, claims=custom)
    take_quiz(course, ada, "zero")
    rows = csv_rows(course)
    quiz = rows[0].index("Check your understanding (%)")
    first = float(rows[1][quiz])

    take_quiz(course, ada, "one")  # a worse second attempt: "highest" keeps the first
    page = ada.get("/learn/a/sample/basics-quiz").get_data(as_text=True)
    ada.post("/learn/a/sample/basics-quiz/start", data={"csrf_token": token(page)})

    rows = csv_rows(course)
    assert float(rows[1][quiz]) == first
    assert rows[1][quiz + 1] == "in progress"
    gradebook_page = course.client.get("/teach/gradebook").get_data(as_text=True)
    assert f"<strong>{first:.1f}%</strong>" in gradebook_page
    assert "in progress, 3 attempts" in gradebook_page


def test_gradebook_orders_learners_by_name_and_escapes_them(course):
    link, custom = place_quiz(course)
    for sub, name in [("z", "Zoe <b>Bold</b>"), ("a", "Ada"), ("m", "@SUM(1)"), ("n", "-2+3")]:
        course.launch(
            client=course.app.test_client(), sub=sub, name=name, resource_link=link, claims=custom
        )
    course.launch("instructor", resource_link=link, claims=custom)

    page = course.client.get("/teach/gradebook").get_data(as_text=True)
    assert "Zoe &lt;b&gt;Bold&lt;/b&gt;" in page and "<b>Bold</b>" not in page
    names = re.findall(r'<th scope="row" lang="">([^<]*)', page)
    assert names == ["-2+3", "@SUM(1)", "Ada", "Zoe &lt;b&gt;Bold&lt;/b&gt;"]

    learners = [row[0] for row in csv_rows(course)[1:]]
    assert learners == ["'-2+3", "'@SUM(1)", "Ada", "Zoe <b>Bold</b>"]


# Columns for every placed activity, module, track and credential; filters, sorting, charts.

WHATS_NEW = {"id": "link-new", "title": "What's new"}
WHATS_NEW_CUSTOM = {LTI + "custom": {"skillcert_target": "module:sample/whats-new"}}


def answer_quiz(course, client, **answers):
    """Submits the basics quiz with ``answers`` (item id → answer)."""
    page = client.get("/learn/a/sample/basics-quiz").get_data(as_text=True)
    attempt_url = client.post(
        "/learn/a/sample/basics-quiz/start", data={"csrf_token": token(page)}
    ).headers["Location"]
    data = {"csrf_token": token(page), "confirm": "yes"}
    data |= {f"answer-{item}": value for item, value in answers.items()}
    client.post(attempt_url + "/save", data=data)
    assert client.post(attempt_url + "/submit", data=data).status_code == 302


def build_class(course):
    """Ada takes the quiz with an answer an instructor must grade, Bob finishes the
    "What's new" module (one lesson), Cy only launches; the instructor opens the quiz link."""
    link, custom = place_quiz(course)
    ada, bob, cy = (course.app.test_client() for _ in range(3))
    course.launch(client=ada, sub="ada", name="Ada", resource_link=link, claims=custom)
    answer_quiz(course, ada, **{"q-temperature": "zero", "q-explain": "Unseen data."})
    course.launch(
        client=bob, sub="bob", name="Bob", resource_link=WHATS_NEW, claims=WHATS_NEW_CUSTOM
    )
    lesson = "/learn/a/sample/whats-new-lesson"
    assert (
        bob.post(lesson + "/done", data={"csrf_token": token(bob.get(lesson).text)}).status_code
        == 302
    )
    course.launch(client=cy, sub="cy", name="Cy", resource_link=link, claims=custom)
    course.launch("instructor", resource_link=link, claims=custom)


def header_cells(page):
    head = re.search(r"<thead>(.*?)</thead>", page, re.S).group(1)
    return [
        " ".join(re.sub(r"<[^>]+>", " ", th).split())
        for th in re.findall(r"<th.*?</th>", head, re.S)
    ]


def body(page):
    """Learner name → the texts of their cells, as the table shows them."""
    table = re.search(r"<tbody>(.*?)</tbody>", page, re.S).group(1)
    rows = re.findall(r'<tr><th scope="row"[^>]*>(.*?)</th>(.*?)</tr>', table, re.S)
    return {
        name: [re.sub(r"<[^>]+>", " ", td).split() for td in re.findall(r"<td>(.*?)</td>", cells)]
        for name, cells in rows
    }


def test_gradebook_has_a_column_for_every_placed_activity_module_track_and_credential(course):
    build_class(course)
    page = course.client.get("/teach/gradebook").get_data(as_text=True)
    assert header_cells(page) == [
        "Learner ▲",
        "Check your understanding (quiz) Item analysis",
        "Basics exam (exam) Item analysis",  # placed, attempted by nobody
        "Basics (module)",
        "What changed this year (module)",
        "Sample Practitioner credential",
    ]
    rows = body(page)
    assert [" ".join(cell) for cell in rows["Ada"]][1:] == [
        "not started",
        "awaiting grading",
        "not started",
        "no credential",
    ]
    assert rows["Ada"][0][-2:] == ["awaiting", "grading"]
    assert [" ".join(cell) for cell in rows["Bob"]] == [
        "not started",
        "not started",
        "not started",
        "complete",
        "no credential",
    ]
    assert [" ".join(cell) for cell in rows["Cy"]][2:4] == ["not started", "not started"]


def test_filters_and_sorting_change_the_rows_and_the_csv_follows(course):
    build_class(course)

    def names(query=""):
        page = course.client.get("/teach/gradebook" + query).get_data(as_text=True)
        return list(body(page)), page

    assert names()[0] == ["Ada", "Bob", "Cy"]
    assert names("?status=complete")[0] == ["Bob"]
    assert names("?status=not+started")[0] == ["Cy"]
    assert names("?status=awaiting+grading")[0] == ["Ada"]
    assert names("?status=in+progress")[0] == ["Ada"]
    assert names("?status=started")[0] == ["Ada", "Bob"]
    shown, page = names("?sort=name&order=desc")
    assert shown == ["Cy", "Bob", "Ada"] and 'aria-sort="descending"' in page
    # By the "What's new" module: not started first, complete last; reversed on request.
    shown, page = names("?sort=u1")
    assert shown == ["Ada", "Cy", "Bob"]
    sorted_header = re.search(r'<th scope="col" aria-sort="ascending">(.*?)</th>', page, re.S)
    assert "What changed this year" in sorted_header.group(1)
    assert "order=desc" in sorted_header.group(1)  # selecting it again reverses
    assert names("?sort=u1&order=desc")[0] == ["Bob", "Ada", "Cy"]
    assert names("?sort=a0&order=desc")[0][0] == "Ada"  # the only one with a score...
    assert names("?sort=a0")[0][-1] == "Ada"  # ...comes last in ascending order

    response = course.client.get("/teach/gradebook.csv?status=started&sort=name&order=desc")
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0] == [
        "Learner",
        "Check your understanding (%)",
        "Check your understanding status",
        "Basics exam (%)",
        "Basics exam status",
        "Basics status",
        "What changed this year status",
        "Sample Practitioner credential",
    ]
    assert [row[0] for row in rows[1:]] == ["Bob", "Ada"]
    assert rows[1][5:] == ["not started", "complete", "no credential"]
    assert rows[2][2:] == [
        "awaiting grading",
        "",
        "not started",
        "awaiting grading",
        "not started",
        "no credential",
    ]


def test_score_distribution_chart_and_its_table_hold_the_counted_scores(course):
    link, custom = place_quiz(course)
    for n, answer in enumerate(["zero", "one", "one"]):  # 10 % once, 0 % twice
        learner = course.app.test_client()
        course.launch(client=learner, sub=f"l{n}", name=f"L{n}", resource_link=link, claims=custom)
        take_quiz(course, learner, answer)
    course.launch("instructor", resource_link=link, claims=custom)
    page = course.client.get("/teach/gradebook").get_data(as_text=True)
    figure = re.search(r'<figure class="chart-figure">.*?</figure>', page, re.S).group(0)
    assert (
        '<figcaption id="distribution-title">Score distribution: Check your understanding'
        "</figcaption>" in figure
    )
    assert '<desc id="distribution-desc">' in figure
    bars = re.findall(r'<rect class="bar"[^>]*><title>([^<]*): (\d+)</title>', figure)
    table = re.findall(r'<tr><th scope="row">([^<]*)</th><td>(\d+)</td></tr>', figure)
    assert bars == table and len(bars) == 10
    assert [int(count) for _, count in table] == [2, 1, 0, 0, 0, 0, 0, 0, 0, 0]
    assert table[1][0] == "10%\u201320%"
    # Nobody has a counted score on the exam: no chart for it, not even when asked for.
    assert "Score distribution: Basics exam" not in page
    asked = course.client.get("/teach/gradebook?chart=1").get_data(as_text=True)
    assert "Score distribution: Check your understanding" in asked
    assert 'id="chart-activity"' not in asked  # one activity to show: nothing to choose


def test_the_score_distribution_shown_is_the_activity_chosen(course):
    link = {"id": "link-track", "title": "Whole track"}
    custom = {LTI + "custom": {"skillcert_target": "track:sample"}}
    ada = course.app.test_client()
    course.launch(client=ada, sub="ada", name="Ada", resource_link=link, claims=custom)
    take_quiz(course, ada, "zero")
    warm_up = "/learn/a/sample/warm-up"
    page = ada.get(warm_up).get_data(as_text=True)
    attempt = ada.post(warm_up + "/start", data={"csrf_token": token(page)}).headers["Location"]
    data = {"csrf_token": token(page), "confirm": "yes", "answer-w-stop": "stop"}
    assert ada.post(attempt + "/submit", data=data).status_code == 302
    course.launch("instructor", resource_link=link, claims=custom)
    page = course.client.get("/teach/gradebook").get_data(as_text=True)
    choices = re.search(r'<select id="chart-activity" name="chart">(.*?)</select>', page, re.S)
    options = re.findall(r'<option value="(\d+)"[^>]*>([^<]+)</option>', choices.group(1))
    assert [title for _, title in options] == ["Check your understanding", "Warm-up (practice)"]
    warm_index = options[1][0]
    chosen = course.client.get(f"/teach/gradebook?chart={warm_index}").get_data(as_text=True)
    assert "Score distribution: Warm-up (practice)" in chosen
    assert "Score distribution: Check your understanding" not in chosen


def test_item_analysis_below_the_threshold_says_what_it_needs(course):
    link, custom = place_quiz(course)
    for n in range(2):
        learner = course.app.test_client()
        course.launch(client=learner, sub=f"l{n}", name=f"L{n}", resource_link=link, claims=custom)
        take_quiz(course, learner, "zero")
    course.launch("instructor", resource_link=link, claims=custom)
    page = course.client.get("/teach/analysis/sample/basics-quiz").get_data(as_text=True)
    assert (
        "Item analysis needs at least 5 learners&#39; submitted first attempts; 2 so far." in page
    )
    assert "<svg" not in page


def test_item_analysis_scatter_plots_the_numbers_of_its_table_with_the_thresholds(course):
    link, custom = place_quiz(course)
    answers = [
        ("zero", "90"),
        ("zero", "90"),
        ("one", "1"),
        ("one", "1"),
        ("zero", "1"),
        ("one", "90"),
    ]
    for n, (choice, number) in enumerate(answers):
        learner = course.app.test_client()
        course.launch(client=learner, sub=f"l{n}", name=f"L{n}", resource_link=link, claims=custom)
        answer_quiz(course, learner, **{"q-temperature": choice, "q-accuracy": number})
    course.launch("instructor", resource_link=link, claims=custom)
    page = course.client.get("/teach/analysis/sample/basics-quiz").get_data(as_text=True)
    svg = re.search(r"<svg.*?</svg>", page, re.S).group(0)
    assert '<title id="items-chart-title">' in svg and '<desc id="items-chart-desc">' in svg
    points = re.findall(
        r"<title>([\w-]+): difficulty ([\d.-]+), discrimination ([\d.-]+)[^<]*</title>", svg
    )
    assert {item for item, *_ in points} == {"q-temperature", "q-accuracy"}
    for item, difficulty, discrimination in points:
        row = re.search(rf'<th scope="row"><code>{item}</code></th>(.*?)</tr>', page, re.S).group(1)
        cells = re.findall(r"<td>([^<]*)</td>", row)
        assert cells[0].strip() == difficulty and cells[1].strip() == discrimination
    assert svg.count('class="guide"') == 2
    assert "too easy above 95%" in svg and "weak below 0.2" in svg


def test_a_placed_track_gets_its_modules_and_its_own_column(course):
    link = {"id": "link-track", "title": "Whole track"}
    custom = {LTI + "custom": {"skillcert_target": "track:sample"}}
    ada = course.app.test_client()
    course.launch(client=ada, sub="ada", name="Ada", resource_link=link, claims=custom)
    take_quiz(course, ada, "zero")
    course.launch("instructor", resource_link=link, claims=custom)
    page = course.client.get("/teach/gradebook").get_data(as_text=True)
    headers = header_cells(page)
    assert "Basics (module)" in headers and "Capstone (module)" in headers
    assert headers[-2:] == ["Sample Practitioner (track)", "Sample Practitioner credential"]
    cells = [" ".join(cell) for cell in body(page)["Ada"]]
    assert cells[-2:] == ["in progress", "no credential"]
    assert cells[headers.index("Basics (module)") - 1] == "in progress"


def test_spanish_gradebook_writes_numbers_the_spanish_way(course):
    link, custom = place_quiz(course)
    ada = course.app.test_client()
    course.launch(client=ada, sub="ada", name="Ada", resource_link=link, claims=custom)
    take_quiz(course, ada, "zero")
    spanish = {LTI + "launch_presentation": {"locale": "es"}}
    course.launch("instructor", resource_link=link, claims=custom | spanish)
    page = course.client.get("/teach/gradebook").get_data(as_text=True)
    assert "<strong>10,0\u00a0%</strong>" in page
