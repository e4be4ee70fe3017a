"""The lab page's code editor: prefilled, posted like a single-file upload, and nothing
the learner wrote is lost when it is refused."""

from __future__ import annotations

import html
import io
import re
import zipfile

from lti_tool.db import transaction
from lti_tool.grading.lab_editor import EDITOR_MAX_BYTES
from lti_tool.models import LabSubmission
from tests.conftest import csrf_token_of as token

LAB = "/learn/a/sample/prompt-lab"
CODE = (
    "def classify(text):\n"
    "    if 'great' in text:\n"
    "        return 'positive'\n"
    "    return 'negative'\n"
)


def editor_text(page: str) -> str:
    """The textarea's content as the browser shows it (one leading newline is dropped)."""
    raw = re.search(r'<textarea id="code"[^>]*>(.*?)</textarea>', page, re.S).group(1)
    return html.unescape(raw.removeprefix("\n"))


def stored_files(app) -> list[dict[str, bytes]]:
    with transaction(app) as session:
        rows = session.query(LabSubmission).order_by(LabSubmission.id).all()
        return [
            {
                name: zipfile.ZipFile(io.BytesIO(r.archive)).read(name)
                for name in zipfile.ZipFile(io.BytesIO(r.archive)).namelist()
            }
            for r in rows
        ]


def test_editor_is_labelled_with_the_file_and_starts_from_the_starter_code(course):
    course.launch()
    page = course.client.get(LAB).get_data(as_text=True)
    assert "Write your code here" in page
    assert "Your code, submitted as solution.py" in page
    assert 'aria-describedby="code-help"' in page and 'id="code-help"' in page
    assert "press Escape, then Tab" in page  # the enhanced help, swapped in by the script
    assert editor_text(page).startswith("def classify(text: str) -> str:")


def test_code_is_submitted_as_the_entry_file_and_prefills_the_editor(course):
    course.launch()
    page = course.client.get(LAB).get_data(as_text=True)
    response = course.client.post(
        LAB + "/lab/code",
        data={"csrf_token": token(page), "purpose": "check", "code": CODE.replace("\n", "\r\n")},
    )
    assert response.status_code == 302
    (files,) = stored_files(course.app)
    assert files == {"solution.py": CODE.encode()}
    with transaction(course.app) as session:
        assert session.query(LabSubmission).one().visible_only
    page = course.client.get(LAB).get_data(as_text=True)
    assert editor_text(page) == CODE
    assert "Waiting to be graded" in page
    assert 'id="lab-status" role="status"' in page


def test_prefill_is_the_learners_own_and_skips_zip_submissions(course):
    course.launch(sub="ada")
    page = course.client.get(LAB).get_data(as_text=True)
    course.client.post(
        LAB + "/lab/code", data={"csrf_token": token(page), "purpose": "grade", "code": CODE}
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("solution.py", "# one\n")
        archive.writestr("helpers.py", "# two\n")
    course.client.post(
        LAB + "/lab",
        data={
            "csrf_token": token(page),
            "purpose": "grade",
            "submission": (io.BytesIO(buffer.getvalue()), "project.zip"),
        },
        content_type="multipart/form-data",
    )
    assert len(stored_files(course.app)) == 2
    # The newest submission is a two-file zip: the editor keeps the last single file.
    assert editor_text(course.client.get(LAB).get_data(as_text=True)) == CODE

    other = course.app.test_client()
    course.launch(client=other, sub="grace")
    assert "# one" not in other.get(LAB).get_data(as_text=True)
    assert editor_text(other.get(LAB).get_data(as_text=True)).startswith("def classify(text: str)")
    elsewhere = course.app.test_client()
    course.launch(client=elsewhere, sub="ada", context={"id": "course-2", "title": "Other"})
    assert CODE not in html.unescape(elsewhere.get(LAB).get_data(as_text=True))


def test_empty_code_is_refused_with_a_message_and_stores_nothing(course):
    course.launch()
    page = course.client.get(LAB).get_data(as_text=True)
    response = course.client.post(
        LAB + "/lab/code", data={"csrf_token": token(page), "purpose": "grade", "code": "  \n"}
    )
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert "Write some code before you check or submit it." in body
    assert 'role="alert"' in body and 'aria-invalid="true"' in body
    assert stored_files(course.app) == []


def test_too_much_code_is_refused_and_the_text_comes_back(course):
    course.launch()
    page = course.client.get(LAB).get_data(as_text=True)
    code = "x = 1  # <b>kept & escaped</b>\n" * (EDITOR_MAX_BYTES // 30 + 10)
    response = course.client.post(
        LAB + "/lab/code", data={"csrf_token": token(page), "purpose": "grade", "code": code}
    )
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert "the editor sends at most" in body
    assert "<b>kept" not in body  # escaped, not markup
    assert editor_text(body) == code
    assert stored_files(course.app) == []


def test_a_refused_upload_shows_the_lab_page_with_the_reason(course):
    course.launch()
    page = course.client.get(LAB).get_data(as_text=True)
    response = course.client.post(
        LAB + "/lab",
        data={
            "csrf_token": token(page),
            "purpose": "grade",
            "submission": (io.BytesIO(b"MZ"), "solution.exe"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert "Upload a .zip of your project" in body and "Write your code here" in body
    assert stored_files(course.app) == []


def test_only_labs_have_an_editor(course):
    course.launch()
    page = course.client.get("/learn/a/sample/capstone-project").get_data(as_text=True)
    assert "Write your code here" not in page
    response = course.client.post(
        "/learn/a/sample/capstone-project/lab/code",
        data={"csrf_token": token(page), "purpose": "grade", "code": CODE},
    )
    assert response.status_code == 404
