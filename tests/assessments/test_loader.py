"""Loading tracks from files: the sample loads, and a broken copy reports every planted error."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from assessments import catalog
from assessments.items import ItemType
from assessments.loader import load_track, load_tracks, summarise, validate_path
from assessments.model import ActivityKind, Track
from tests.assessments.conftest import SAMPLE_DIR, SPECIALISATION_DIR, plant


def test_sample_track_loads_with_every_kind_and_item_type(sample_track: Track) -> None:
    (summary,) = summarise([sample_track])
    assert summary == {
        "id": "sample",
        "version": "1.2.0",
        "title": "Sample Practitioner",
        "extends": None,
        "modules": 5,
        "lessons": 3,
        "items": 12,
        "labs": 1,
        "scenarios": 1,
        "projects": 1,
        "quizzes": 2,  # one of them practice: it counts nowhere below
        "exams": 1,
        "competencies": 3,
        # basics: quiz 50 + exam 50; ethics: scenario 100; capstone: project 100
        "practical_share": 0.667,
        "competencies_with_fewer_than_two_kinds": [],
        "renewal_modules": 2,
        "renewal_credits_required": 2.0,
        "estimated_hours": summary["estimated_hours"],  # checked in test_effort.py
        "claims": 1,
    }
    json.dumps(summary)  # what `skillcert content list --json` prints
    kinds = {a.kind for a in sample_track.activities()}
    assert kinds == set(ActivityKind)
    types = {i.type for a in sample_track.activities() for i in a.items}
    assert len(types) == len(ItemType)  # every item type


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
    ids = {t.id for t in result.tracks}
    assert {"enterprise-ai-practitioner", "k12-ai-education", "ai-in-healthcare"} <= ids
    specialisation = next(t for t in result.tracks if t.id == "ai-in-healthcare")
    assert specialisation.extends == "enterprise-ai-practitioner"
    listed = catalog.list_tracks()
    assert all(t.title and t.summary and t.audience for t in listed)


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
                "              next: bad-end\n            - id: fix",
                "              next: request\n            - id: fix",
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
                "folder: labs/prompt-lab",
                "folder: labs/missing-lab",
            ),
            "'folder' 'labs/missing-lab': no such folder in the track",
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


def test_a_broken_lab_folder_is_reported_where_the_activity_names_it(broken: Path) -> None:
    line = plant(
        broken, "modules/practice/module.yaml", "folder: labs/prompt-lab", "folder: labs/prompt-lab"
    )
    lab_yaml = broken / "labs" / "prompt-lab" / "lab.yaml"
    lab_yaml.write_text(lab_yaml.read_text().replace('entry: "solution:classify"', "entry: 42"))
    result = load_track(broken)
    assert result.tracks == ()
    messages = [str(p) for p in result.problems]
    assert any(
        m.startswith(f"sample_track/modules/practice/module.yaml:{line}: lab labs/prompt-lab:")
        and "entry" in m
        for m in messages
    ), messages


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
    special = broken.parent / "sample_specialisation"
    shutil.copytree(SPECIALISATION_DIR, special)
    result = load_track(special)
    assert result.problems == []
    track = next(t for t in result.tracks if t.id == "sample-special")
    assert track.extends == "sample"
    assert [m.id for m in track.modules] == [
        "basics",
        "ethics",
        "practice",
        "capstone",
        "whats-new",
        "deploy",
    ]
    assert [c.id for c in track.competencies] == ["prompting", "evaluation", "ethics", "ops"]
    assert track.module("basics").track_id == "sample"
    assert track.module("deploy").track_id == "sample-special"

    # A specialisation may not redefine an id it inherits...
    deploy = "modules/deploy/module.yaml"
    line = plant(special, deploy, "id: deploy-project", "id: prompt-lab")
    found = [str(p) for p in load_track(special).problems]
    assert found == [
        f"sample_specialisation/{deploy}:{line}: "
        "activity id 'prompt-lab' is already used at track 'sample'"
    ]
    # ...and a broken base blocks it, with the base's own problems listed too.
    plant(broken, "track.yaml", "title: Sample Practitioner", "title: ''")
    found = [str(p) for p in load_track(special).problems]
    assert any("extends 'sample', which has problems" in f for f in found), found
    assert any("sample_track/track.yaml" in f and "'title' must not be empty" in f for f in found)


def test_validate_path_reports_missing_and_empty_folders(tmp_path: Path) -> None:
    assert [p.message for p in validate_path(tmp_path / "nope").problems] == ["no such folder"]
    assert "no track folders" in validate_path(tmp_path).problems[0].message
    assert validate_path(SAMPLE_DIR).problems == []


def test_a_module_carries_translations_of_its_texts(sample_track: Track) -> None:
    spanish = sample_track.translated("es")
    basics = spanish.module("basics")
    assert (basics.title, basics.summary) == (
        "Conceptos básicos",
        "Modelos, instrucciones y cómo comprobarlos.",
    )
    assert spanish.activity("intro").title == "Qué es un modelo"
    assert "transforma entradas en salidas" in spanish.activity("intro").body_html
    assert "<script>" not in spanish.activity("intro").body_html  # sanitised like the original
    assert spanish.activity("basics-exam").body_html.startswith("<p>Responda")
    quiz = spanish.activity(
        "basics-quiz"
    )  # its questions too: tests/assessments/test_translation.py
    assert quiz.title == "Compruebe lo que ha aprendido"
    assert [i.id for i in quiz.items] == [i.id for i in sample_track.activity("basics-quiz").items]
    # Untranslated modules, and languages nobody translated into, keep the original.
    assert spanish.module("whats-new") == sample_track.module("whats-new")
    assert sample_track.translated("en") is sample_track
    assert sample_track.module("basics").title == "Basics"


def test_translation_mistakes_are_reported_with_file_and_line(broken: Path) -> None:
    module = "modules/basics/module.yaml"
    language = plant(broken, module, "translations:\n  es:", "translations:\n  fr: {}\n  es:")
    activity = plant(broken, module, "      intro:\n", "      intro:\n        tittle: x\n")
    missing = plant(broken, module, "body_file: intro.es.md", "body_file: intro.de.md")
    unknown = plant(broken, module, "      basics-quiz:", "      no-such-lesson:")
    found = [str(p) for p in load_track(broken).problems]
    assert found == [
        f"sample_track/{module}:{language + 1}: translation language 'fr' is not one "
        "SkillCert's pages are shown in (use es)",
        f"sample_track/{module}:{activity + 1}: unknown key 'tittle' (did you mean 'title'?)",
        f"sample_track/{module}:{missing}: 'body_file' 'intro.de.md': no such file in the track",
        f"sample_track/{module}:{unknown}: translation of activity 'no-such-lesson': "
        "no such activity in the module",
    ]
