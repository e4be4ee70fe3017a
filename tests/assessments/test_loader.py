"""Loading tracks from files: the sample loads, and a broken copy reports every planted error."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from assessments import catalog
from assessments.loader import load_track, load_tracks, summarise, validate_path
from assessments.model import ActivityKind, Track
from tests.assessments.conftest import SAMPLE_DIR


def test_sample_track_loads_with_every_kind_and_item_type(sample_track: Track) -> None:
    (summary,) = summarise([sample_track])
    assert summary == {
        "id": "sample",
        "version": "1.2.0",
        "title": "Sample Practitioner",
        "extends": None,
        "modules": 4,
        "lessons": 2,
        "items": 10,
        "labs": 1,
        "scenarios": 1,
        "projects": 1,
        "quizzes": 1,
        "exams": 1,
        "competencies": 3,
    }
    json.dumps(summary)  # what `skillcert content list --json` prints
    kinds = {a.kind for a in sample_track.activities()}
    assert kinds == set(ActivityKind)
    types = {i.type for a in sample_track.activities() for i in a.items}
    assert len(types) == 7


def test_prose_is_rendered_and_sanitised(sample_track: Track) -> None:
    body = sample_track.activity("intro").body_html
    assert "<h1>What a model is</h1>" in body and "<em>model</em>" in body
    assert "script" not in body and "never shown" not in body
    assert 'rel="noopener noreferrer"' in body


def test_items_inherit_the_activity_competencies(sample_track: Track) -> None:
    quiz = sample_track.activity("basics-quiz")
    by_id = {i.id: i.competencies for i in quiz.items}
    assert by_id["q-temperature"] == ("prompting",)
    assert by_id["q-accuracy"] == ("evaluation",)
    assert quiz.aligned_competencies == {"prompting", "evaluation"}


def test_real_tracks_load() -> None:
    result = load_tracks(catalog.TRACKS_DIR)
    assert result.problems == []
    assert {t.id for t in result.tracks} == {"enterprise-ai-practitioner", "k12-ai-education"}
    listed = catalog.list_tracks()
    assert all(t.title and t.summary and t.audience for t in listed)


@pytest.fixture
def broken(tmp_path: Path) -> Path:
    """A copy of the sample track in which ``plant`` edits files."""
    target = tmp_path / "tracks" / "sample_track"
    shutil.copytree(SAMPLE_DIR, target)
    return target


def plant(folder: Path, relative: str, old: str, new: str) -> int:
    """Replace ``old`` once in a file and return the (1-based) line where the edit landed."""
    path = folder / relative
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} must occur once in {relative}"
    path.write_text(text.replace(old, new), encoding="utf-8")
    return text[: text.index(old)].count("\n") + 1


def test_broken_copy_reports_every_planted_error_with_file_and_line(broken: Path) -> None:
    basics, ethics = "modules/basics/module.yaml", "modules/ethics/module.yaml"
    expected = [
        (
            "track.yaml",
            plant(broken, "track.yaml", "version: 1.2.0", "version: 1.2"),
            "'version' must be a version like 1.0.0, found 1.2",
        ),
        (
            "track.yaml",
            plant(broken, "track.yaml", "    pass_mark: 60", "    pass_mark: 160"),
            "'pass_mark' is a percentage",
        ),
        (
            basics,
            plant(broken, basics, "    kind: quiz\n", "    kind: quiz\n    colour: red\n") + 1,
            "unknown key 'colour'",
        ),
        (
            basics,
            plant(broken, basics, "id: q-accuracy", "id: q-temperature"),
            "item id 'q-temperature' is already used at sample_track/modules/basics/module.yaml:",
        ),
        (
            basics,
            plant(
                broken,
                basics,
                "competencies: [evaluation]\n        answer: 90",
                "competencies: [maths]\n        answer: 90",
            ),
            "competency 'maths' is not in the track's framework",
        ),
        (
            basics,
            plant(broken, basics, '"(covariate|dataset) shift"', '"(a+)+"'),
            "can take forever to match",
        ),
        (
            basics,
            plant(
                broken,
                basics,
                "{id: user, text: user, answer: asks}",
                "{id: user, text: user, answer: ask}",
            ),
            "'answer' 'ask' is not one of the responses",
        ),
        (
            basics,
            plant(broken, basics, "          total: 4", "          total: 5"),
            "rubric total is 5 but its criteria add up to 4",
        ),
        (
            "modules/basics/exam.yaml",
            plant(
                broken,
                "modules/basics/exam.yaml",
                "tolerance_mode: relative",
                "tolerance_mode: percent",
            ),
            "'tolerance_mode' must be one of absolute, relative",
        ),
        (
            ethics,
            plant(
                broken,
                ethics,
                "              next: bad-end\n        - id: good-end",
                "              next: request\n        - id: good-end",
            ),
            "choices form a loop",
        ),
        (
            ethics,
            plant(
                broken,
                ethics,
                "expert_path: [request, audit, good-end]",
                "expert_path: [request, good-end]",
            ),
            "the expert path goes from 'request' to 'good-end', but no choice does",
        ),
        (
            "modules/practice/module.yaml",
            plant(
                broken,
                "modules/practice/module.yaml",
                "grader: labs/prompt-lab/grader.py",
                "grader: labs/prompt-lab/missing.py",
            ),
            "'grader' 'labs/prompt-lab/missing.py': no such file in the track",
        ),
        (
            "modules/capstone/module.yaml",
            plant(broken, "modules/capstone/module.yaml", "    kind: project", "    kind: essay"),
            "'kind' must be one of lesson, lab, scenario, project, quiz, exam",
        ),
    ]
    result = load_track(broken)
    assert result.tracks == ()
    found = [str(p) for p in result.problems]
    for file, line, message in expected:
        prefix = f"sample_track/{file}:{line}: "
        assert any(f.startswith(prefix) and message in f for f in found), (prefix, message, found)
    assert len(found) == len(expected), found


def test_yaml_syntax_errors_and_missing_modules_are_reported(broken: Path) -> None:
    line = plant(broken, "modules/capstone/module.yaml", "title: Capstone", "title: [Capstone")
    missing = plant(broken, "track.yaml", "  - practice", "  - practise")
    found = [str(p) for p in load_track(broken).problems]
    # libyaml notices the unclosed bracket where the next line starts.
    assert found == [
        f"sample_track/modules/capstone/module.yaml:{line + 1}: "
        "not valid YAML: did not find expected ',' or ']'",
        f"sample_track/track.yaml:{missing}: "
        "module 'practise': no file modules/practise/module.yaml",
    ]


def test_duplicate_keys_and_yaml_booleans_are_caught(broken: Path) -> None:
    line = plant(
        broken,
        "modules/practice/module.yaml",
        "title: Practice\n",
        "title: Practice\ntitle: Again\n",
    )
    found = [str(p) for p in load_track(broken).problems]
    assert found == [f"sample_track/modules/practice/module.yaml:{line + 1}: 'title' appears twice"]


def test_files_may_not_escape_the_track(broken: Path) -> None:
    (broken.parent / "secret.md").write_text("secret", encoding="utf-8")
    line = plant(
        broken, "modules/basics/module.yaml", "body_file: intro.md", "body_file: ../../../secret.md"
    )
    found = [str(p) for p in load_track(broken).problems]
    assert found == [
        f"sample_track/modules/basics/module.yaml:{line}: "
        "'body_file' '../../../secret.md' points outside the track folder"
    ]


def test_extends_reuses_modules_and_inherits_competencies(broken: Path) -> None:
    special = broken.parent / "special"
    (special / "modules" / "deploy").mkdir(parents=True)
    (special / "track.yaml").write_text(
        "id: special\nversion: 0.1.0\ntitle: Special\nsummary: More.\naudience: Some\n"
        "extends: sample\ncompetencies:\n  - {id: ops, title: Operations}\n"
        "modules: [deploy]\ncompletion:\n  modules:\n    - {module: basics, pass_mark: 50}\n",
        encoding="utf-8",
    )
    (special / "modules" / "deploy" / "module.yaml").write_text(
        "id: deploy\nversion: 0.1.0\ntitle: Deploy\nactivities:\n"
        "  - id: deploy-project\n    version: 0.1.0\n    kind: project\n    title: Ship it\n"
        "    competencies: [ops, ethics]\n    rubric:\n      criteria:\n"
        "        - id: c\n          title: C\n          levels: [{id: a, title: A, points: 1}]\n",
        encoding="utf-8",
    )
    result = load_track(special)
    assert result.problems == []
    track = next(t for t in result.tracks if t.id == "special")
    assert [m.id for m in track.modules] == ["basics", "ethics", "practice", "capstone", "deploy"]
    assert [c.id for c in track.competencies] == ["prompting", "evaluation", "ethics", "ops"]
    assert track.module("basics").track_id == "sample"

    # A specialisation may not redefine an id it inherits...
    plant(special, "modules/deploy/module.yaml", "id: deploy-project", "id: prompt-lab")
    found = [str(p) for p in load_track(special).problems]
    assert found == [
        "special/modules/deploy/module.yaml:5: "
        "activity id 'prompt-lab' is already used at track 'sample'"
    ]
    # ...and a broken base blocks it, with the base's own problems listed too.
    plant(broken, "track.yaml", "title: Sample Practitioner", "title: ''")
    found = [str(p) for p in load_track(special).problems]
    assert any("extends 'sample', which has problems" in f for f in found), found
    assert any("sample_track/track.yaml" in f and "'title' must not be empty" in f for f in found)


def test_validate_path_reports_missing_and_empty_folders(tmp_path: Path) -> None:
    assert [p.message for p in validate_path(tmp_path / "nope")] == ["no such folder"]
    assert "no track folders" in validate_path(tmp_path)[0].message
    assert validate_path(SAMPLE_DIR) == []
