"""Projects handed in with files: an allowlist and limits on arrival, the text kept when
a file is refused, downloads only for the learner and the course's instructors."""

from __future__ import annotations

import io
import re

import pytest
from sqlalchemy import func, select

from lti_tool.db import transaction
from lti_tool.learning import project_files
from lti_tool.models import Attempt, ProjectFile
from tests.conftest import csrf_token_of as token

PROJECT = "/learn/a/sample/capstone-project"
PDF = b"%PDF-1.7\n" + b"0" * 100


def hand_in(client, text="", files=()):
    page = client.get(PROJECT).get_data(as_text=True)
    return client.post(
        PROJECT + "/project",
        data={
            "csrf_token": token(page),
            "text": text,
            "files": [(io.BytesIO(data), name) for name, data in files],
        },
        content_type="multipart/form-data",
    )


def stored(app) -> tuple[int, int]:
    with transaction(app) as session:
        return (
            session.scalar(select(func.count()).select_from(Attempt)),
            session.scalar(select(func.count()).select_from(ProjectFile)),
        )


def download_links(page: str, prefix: str) -> list[str]:
    return re.findall(rf'href="({prefix}/project-file/\d+)"', page)


def test_files_are_handed_in_listed_and_downloaded_with_safe_headers(course):
    course.launch(sub="ada", name="Ada")
    response = hand_in(
        course.client,
        "My plan.",
        [("../../Report<script>.pdf", PDF), ("notes.md", "# Notes\nñ".encode())],
    )
    assert response.status_code == 302
    assert stored(course.app) == (1, 2)
    page = course.client.get(PROJECT).get_data(as_text=True)
    assert "awaiting grading" in page and "Reportscript.pdf" in page
    (pdf_link, md_link) = download_links(page, "/learn")
    download = course.client.get(pdf_link)
    assert download.status_code == 200
    assert download.data == PDF
    assert download.headers["Content-Type"] == "application/pdf"
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert download.headers["Content-Disposition"] == "attachment; filename=Reportscript.pdf"
    assert course.client.get(md_link).headers["Content-Type"] == "text/markdown; charset=utf-8"


def test_files_alone_are_a_hand_in(course):
    course.launch()
    assert hand_in(course.client, "", [("slides.pptx", b"PK\x03\x04rest")]).status_code == 302
    assert stored(course.app) == (1, 1)


def test_nothing_to_hand_in_is_refused(course):
    course.launch()
    response = hand_in(course.client, "   ")
    assert response.status_code == 422
    assert "Write your project or attach a file" in response.get_data(as_text=True)
    assert stored(course.app) == (0, 0)


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ([("tool.exe", b"MZ")], "tool.exe cannot be attached: use one of .pdf"),
        ([("fake.pdf", b"<html>")], "fake.pdf is not a .pdf file inside"),
        ([("notes.txt", b"\xff\xfe\x00")], "notes.txt is not UTF-8 text"),
        ([("empty.txt", b"")], "empty.txt is empty"),
        ([("big.txt", b"a" * 2049)], "big.txt is 2.0 KB; a file may be at most 2.0 KB"),
        (
            [(f"part{i}.txt", b"a" * 2000) for i in range(3)],
            "Your files come to 5.9 KB; together they may be at most 4.9 KB",
        ),
        (
            [(f"n{i}.txt", b"a") for i in range(project_files.MAX_FILES + 1)],
            "Attach at most 10 files",
        ),
    ],
)
def test_refused_files_keep_the_text_and_store_nothing(course, monkeypatch, files, message):
    # Small limits, so that the test posts kilobytes rather than tens of megabytes.
    monkeypatch.setattr(project_files, "MAX_FILE_BYTES", 2048)
    monkeypatch.setattr(project_files, "MAX_TOTAL_BYTES", 5000)
    course.launch()
    response = hand_in(course.client, "Keep <this> & that.", files)
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert message in body
    assert "Keep &lt;this&gt; &amp; that.</textarea>" in body
    assert stored(course.app) == (0, 0)


def test_downloads_are_for_the_learner_and_the_courses_instructors_only(course):
    course.launch(sub="ada")
    hand_in(course.client, "", [("plan.pdf", PDF)])
    (link,) = download_links(course.client.get(PROJECT).get_data(as_text=True), "/learn")
    file_id = link.rsplit("/", 1)[1]

    classmate = course.app.test_client()
    course.launch(client=classmate, sub="grace")
    assert classmate.get(link).status_code == 404
    assert classmate.get(f"/teach/project-file/{file_id}").status_code == 403

    teacher = course.app.test_client()
    course.launch("instructor", client=teacher)
    queue = teacher.get("/teach/grading").get_data(as_text=True)
    assert download_links(queue, "/teach") == [f"/teach/project-file/{file_id}"]
    assert teacher.get(f"/teach/project-file/{file_id}").data == PDF

    other_course = course.app.test_client()
    course.launch("instructor", client=other_course, context={"id": "course-2", "title": "x"})
    assert other_course.get(f"/teach/project-file/{file_id}").status_code == 404
    same_person_elsewhere = course.app.test_client()
    course.launch(client=same_person_elsewhere, sub="ada", context={"id": "course-2", "title": "x"})
    assert same_person_elsewhere.get(link).status_code == 404


def test_learner_work_page_links_the_files(course):
    course.launch(sub="ada", name="Ada")
    hand_in(course.client, "Text.", [("plan.pdf", PDF)])
    with transaction(course.app) as session:
        user_id = session.scalar(select(Attempt.user_id))
    teacher = course.app.test_client()
    course.launch("instructor", client=teacher)
    page = teacher.get(f"/teach/learner/{user_id}/sample/capstone-project").get_data(as_text=True)
    assert len(download_links(page, "/teach")) == 1 and "plan.pdf" in page


def test_files_go_with_their_attempt(course):
    course.launch()
    hand_in(course.client, "", [("plan.pdf", PDF), ("data.csv", b"a,b\n1,2\n")])
    with transaction(course.app) as session:
        session.delete(session.scalars(select(Attempt)).one())
    assert stored(course.app) == (0, 0)


def test_safe_filename_drops_folders_and_odd_characters():
    assert project_files.safe_filename("C:\\Users\\me\\Plan final.PDF") == "Plan_final.pdf"
    assert project_files.safe_filename("../../etc/passwd.txt") == "passwd.txt"
    assert project_files.safe_filename('"; x=1.md') == "x1.md"
    assert project_files.safe_filename("...") == "file"
