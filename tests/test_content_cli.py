"""`skillcert content validate|list`: what an author and an operator run."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from click.testing import CliRunner

from lti_tool.entry import main

SAMPLE = Path(__file__).parent / "assessments" / "sample_track"


def test_validate_accepts_the_sample_track():
    result = CliRunner().invoke(main, ["content", "validate", str(SAMPLE)])
    assert result.exit_code == 0, result.output
    # No warning: its options are balanced (content audit: longest 40 %, position 40 %).
    assert result.output.strip().endswith("Content is valid.")


def test_validate_lists_problems_with_file_and_line(tmp_path):
    broken = tmp_path / "sample_track"
    shutil.copytree(SAMPLE, broken)
    track_file = broken / "track.yaml"
    track_file.write_text(track_file.read_text().replace("version:", "versoin:", 1))
    result = CliRunner().invoke(main, ["content", "validate", str(broken)])
    assert result.exit_code != 0
    assert "track.yaml:2: 'version' is required" in result.output
    assert "nothing was loaded" in result.output


def test_list_json_has_counts_per_track():
    result = CliRunner().invoke(main, ["content", "list", "--json"])
    assert result.exit_code == 0, result.output
    # Warnings (the shipped rubrics predate the 4-level standard) go to stderr.
    rows = {row["id"]: row for row in json.loads(result.stdout)}
    assert {"enterprise-ai-practitioner", "k12-ai-education"} <= set(rows)
    for row in rows.values():
        for key in ("modules", "lessons", "items", "labs", "scenarios", "projects", "competencies"):
            assert isinstance(row[key], int)
        assert 0 <= row["practical_share"] <= 1


def test_validate_prints_warnings_but_passes(tmp_path):
    copy = tmp_path / "sample_track"
    shutil.copytree(SAMPLE, copy)
    module = copy / "modules" / "practice" / "module.yaml"
    text = module.read_text()
    text = text.replace("reviewed: 2026-11-01", "reviewed: 2020-01-01")
    module.write_text(text.replace("review_by: 2027-11-01", "review_by: 2021-01-01"))
    result = CliRunner().invoke(main, ["content", "validate", str(copy)])
    assert result.exit_code == 0, result.output
    assert "module.yaml:6: warning: 'review_by' 2021-01-01 has passed" in result.output
    assert "Content is valid, with 1 warning(s)." in result.output


def test_validate_warns_when_the_best_option_is_the_longest(tmp_path):
    copy = tmp_path / "sample_track"
    shutil.copytree(SAMPLE, copy)
    ethics = copy / "modules" / "ethics" / "module.yaml"
    text = ethics.read_text().replace("text: Ship it tomorrow as planned", "text: Ship it")
    ethics.write_text(text.replace("Note the gap in the release notes and ship", "Ship"))
    result = CliRunner().invoke(main, ["content", "validate", str(copy)])
    assert result.exit_code == 0, result.output
    assert (
        "in 80% of its single-choice items and scenario decisions the best option is also "
        "the longest" in result.output
    )


def test_list_json_shows_a_specialisation_with_what_it_extends(tmp_path):
    for folder in ("sample_track", "sample_specialisation"):
        shutil.copytree(SAMPLE.parent / folder, tmp_path / folder)
    result = CliRunner().invoke(main, ["content", "list", "--json", str(tmp_path)])
    assert result.exit_code == 0, result.output
    rows = {row["id"]: row for row in json.loads(result.output)}
    assert rows["sample-special"]["extends"] == "sample"
    assert rows["sample"]["extends"] is None
    assert rows["sample-special"]["competencies_with_fewer_than_two_kinds"] == []


def test_docs_tracks_md_shows_the_coverage_the_content_has():
    result = CliRunner().invoke(main, ["content", "coverage"])
    assert result.exit_code == 0, result.output
    docs = (Path(__file__).parent.parent / "docs" / "tracks.md").read_text(encoding="utf-8")
    block = docs.split("<!-- coverage:start -->\n")[1].split("\n<!-- coverage:end -->")[0]
    assert block == result.stdout.strip(), "run `skillcert content coverage` into docs/tracks.md"
