"""A module's ``translations``: its texts in the UI's other languages."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from assessments import translation
from assessments.loader.reader import TrackReader
from assessments.model import TRANSLATION_LANGUAGES, Activity, ModuleTranslation
from assessments.spec import Spec


def read_translations(
    reader: TrackReader,
    spec: Spec,
    folder: Path,
    activity_ids: set[str] | None,
    loaded: Mapping[str, Activity],
) -> dict[str, ModuleTranslation]:
    """``translations: {<language>: {title?, summary?, activities?: {<activity id>: {title?,
    body? or body_file?, items?, scenario?, rubric?}}}}``: the module's texts in the UI's
    other languages (``assessments.translation`` reads each activity's).

    ``activity_ids`` are the module's (None when some are unknown); ``loaded``, the
    activities that loaded, by id."""
    block = spec.child("translations", None)
    if block is None:
        return {}
    found = {}
    for language in block.data:
        entry = block.child(language)
        if language not in TRANSLATION_LANGUAGES:
            block.error(
                f"translation language {language!r} is not one SkillCert's pages are shown in "
                f"(use {', '.join(TRANSLATION_LANGUAGES)})",
                language,
            )
        elif entry is not None:
            found[language] = _read_translation(
                reader, language, entry, folder, activity_ids, loaded
            )
    block.done()
    return found


def _read_translation(
    reader: TrackReader,
    language: str,
    entry: Spec,
    folder: Path,
    activity_ids: set[str] | None,
    loaded: Mapping[str, Activity],
) -> ModuleTranslation:
    title, summary = entry.text("title", ""), entry.text("summary", "")
    activities = {}
    texts = entry.child("activities", None)
    if texts is not None:
        for activity_id in texts.data:
            text = texts.child(activity_id)
            if activity_ids is not None and activity_id not in activity_ids:
                texts.error(
                    f"translation of activity {activity_id!r}: no such activity in the module",
                    activity_id,
                )
            elif text is not None and activity_id in loaded:
                # An activity that did not load has its problems reported already: its
                # translation cannot be checked against it, and the track will not load.
                activities[activity_id] = translation.translate_activity(
                    loaded[activity_id],
                    language,
                    text,
                    lambda spec, key: reader.markdown(spec, key, folder, required=False),
                )
        texts.done()
    entry.done()
    return ModuleTranslation(title or "", (summary or "").strip(), activities)
