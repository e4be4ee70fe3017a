"""The content model: versions, and attempt records that survive content edits."""

from __future__ import annotations

import dataclasses
import json

import pytest

from assessments.model import AttemptRecord, ContentVersions, ResultStatus, Track, Version


def test_versions_parse_and_order() -> None:
    assert Version.parse("1.10.0") > Version.parse("1.9.3")
    assert str(Version.parse("2.0.1")) == "2.0.1"
    for bad in ("1.0", "01.0.0", "1.0.0-beta", "v1.0.0"):
        with pytest.raises(ValueError, match="not a version"):
            Version.parse(bad)


def test_an_attempt_keeps_the_versions_it_was_taken_on(sample_track: Track) -> None:
    versions = ContentVersions.of(sample_track, "basics-quiz")
    assert versions.track == ("sample", "1.2.0") and versions.activity == ("basics-quiz", "1.1.0")
    assert dict(versions.items)["q-drift"] == "1.0.0"
    stored = json.loads(json.dumps(versions.as_dict()))
    assert ContentVersions.from_dict(stored) == versions

    record = AttemptRecord("l1", "basics-quiz", 1, versions, 7.5, 12, ResultStatus.PARTIAL)
    assert record.changed_since(sample_track) == ()

    # An author edits one item: the record still says what it saw and names what changed.
    quiz = sample_track.activity("basics-quiz")
    edited_items = tuple(
        dataclasses.replace(i, version=Version(1, 0, 1)) if i.id == "q-drift" else i
        for i in quiz.items
    )
    edited_quiz = dataclasses.replace(quiz, version=Version(1, 2, 0), items=edited_items)
    basics = sample_track.module("basics")
    edited_module = dataclasses.replace(
        basics,
        activities=tuple(edited_quiz if a.id == quiz.id else a for a in basics.activities),
    )
    edited = dataclasses.replace(
        sample_track,
        modules=tuple(edited_module if m.id == "basics" else m for m in sample_track.modules),
    )
    assert record.changed_since(edited) == ("basics-quiz", "q-drift")
    assert record.score == 7.5 and record.versions == versions
