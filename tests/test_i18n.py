"""The UI speaks the launch's language (then the browser's, then the default), in English
and Spanish, and the Spanish catalogue covers every string the sources mark for translation.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po

from assessments.model import TRANSLATION_LANGUAGES
from lti_tool.errors import SettingsError
from lti_tool.i18n import TRANSLATIONS_DIR, supported_language
from lti_tool.settings import SUPPORTED_LOCALES, load_settings
from tests import page_tour
from tests.conftest import csrf_token_of
from tests.language_check import english_outside_lang_en
from tests.simulated_lms import LTI

ROOT = Path(__file__).resolve().parent.parent
SPANISH_PO = TRANSLATIONS_DIR / "es" / "LC_MESSAGES" / "messages.po"
SPANISH_MO = SPANISH_PO.with_suffix(".mo")
#: What docs/translating.md tells an engineer to run when this file's checks fail.
HOW_TO_FIX = (
    "Update the Spanish catalogue (docs/translating.md):\n"
    "  .venv/bin/pybabel extract -F babel.cfg -k _l --no-location -o messages.pot .\n"
    "  .venv/bin/pybabel update -i messages.pot -d lti_tool/translations --ignore-obsolete\n"
    "  (translate the new or fuzzy entries in "
    "lti_tool/translations/es/LC_MESSAGES/messages.po, remove '#, fuzzy')\n"
    "  .venv/bin/pybabel compile -d lti_tool/translations\n"
)


def presentation(locale: str) -> dict:
    return {"claims": {LTI + "launch_presentation": {"locale": locale}}}


def page(client, path: str, **headers: str) -> str:
    response = client.get(path, headers=headers)
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


# -- choosing the language ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("tag", "language"),
    [("es-MX", "es"), ("es_419", "es"), ("ES", "es"), ("en-GB", "en"), ("fr-CA", None), ("", None)],
)
def test_launch_locales_reduce_to_a_supported_language(tag, language):
    assert supported_language(tag) == language
    assert supported_language(None) is None and supported_language({"locale": "es"}) is None


def test_launch_locale_es_mx_gives_spanish_learner_pages(course):
    course.launch(**presentation("es-MX"))
    home = page(course.client, "/learn/")
    assert '<html lang="es">' in home
    assert "Sus rutas de certificación" in home and "Saltar al contenido principal" in home
    assert "Your certification tracks" not in home
    progress = page(course.client, "/learn/progress")
    # The engine's reasons, worded by the web layer in Spanish.
    assert "aún no ha comenzado." in progress and "Lo que falta para completar la ruta" in progress
    assert "not started yet" not in progress
    # The launch's claim wins over the browser's language.
    assert '<html lang="es">' in page(course.client, "/learn/", **{"Accept-Language": "en"})


def test_launch_locale_gives_spanish_instructor_pages(course):
    course.launch(client=course.app.test_client())  # a learner, for the accommodations form
    course.launch("instructor", **presentation("es-MX"))
    home = page(course.client, "/teach/")
    assert '<html lang="es">' in home
    assert "Personas en este curso" in home and "Ajustes razonables" in home
    accommodations = page(course.client, "/teach/accommodations")
    assert "Intentos adicionales" in accommodations and "Extra attempts" not in accommodations


def test_browser_language_without_the_claim(course):
    course.launch()
    spanish = page(course.client, "/learn/", **{"Accept-Language": "es-AR,es;q=0.9,en;q=0.5"})
    assert '<html lang="es">' in spanish and "Sus rutas de certificación" in spanish
    english = page(course.client, "/learn/", **{"Accept-Language": "en-US,en;q=0.9"})
    assert '<html lang="en">' in english and "Your certification tracks" in english


def test_unsupported_locale_falls_back_to_the_default(course, make_app):
    course.launch(**presentation("fr-FR"))
    home = page(course.client, "/learn/", **{"Accept-Language": "fr-FR,de;q=0.8"})
    assert '<html lang="en">' in home and "Your certification tracks" in home


def test_default_locale_setting_is_used_and_checked(make_app, tmp_path):
    app = make_app(default_locale="es")
    try:
        with app.test_request_context("/", headers={"Accept-Language": "fr"}):
            assert app.jinja_env.globals["ui_language"]() == "es"
    finally:
        app.extensions["skillcert.engine"].dispose()
    with pytest.raises(SettingsError, match="default_locale must be one of en, es"):
        load_settings({"default_locale": "fr"}, environ={}, default_instance_path=tmp_path)


def test_error_pages_speak_the_browsers_language(course):
    response = course.client.get("/teach/", headers={"Accept-Language": "es"})
    assert response.status_code == 401
    body = response.get_data(as_text=True)
    assert "No ha iniciado sesión en SkillCert." in body and '<html lang="es">' in body
    missing = course.client.get("/no-such-page", headers={"Accept-Language": "es"})
    assert "No hay ninguna página en esta dirección." in missing.get_data(as_text=True)


def test_launch_errors_speak_the_browsers_language_and_log_in_english(lms, caplog):
    # The launch is refused before its claims are trusted: the browser's language decides.
    form = lms.authorize(lms.login(lms.spec()))
    assert lms.client.post("/lti/launch", data=form).status_code == 302
    lms.client.delete_cookie("skillcert_session")
    replay = lms.client.post("/lti/launch", data=form, headers={"Accept-Language": "es-MX"})
    assert replay.status_code == 400
    body = replay.get_data(as_text=True)
    assert '<html lang="es">' in body
    assert "Este enlace de lanzamiento ya se usó" in body and "already used" not in body
    logged = [r.getMessage() for r in caplog.records if "ref=" in r.getMessage()]
    assert any("This launch link was already used" in line for line in logged), logged
    login = lms.client.get("/lti/login", headers={"Accept-Language": "es"})
    assert "El LMS inició una sesión sin el parámetro &#39;iss&#39;." in login.get_data(
        as_text=True
    )


def test_engine_reasons_are_worded_in_spanish(course):
    course.launch(**presentation("es"))
    quiz = "/learn/a/sample/basics-quiz"
    page = course.client.get(quiz).get_data(as_text=True)
    started = course.client.post(quiz + "/start", data={"csrf_token": csrf_token_of(page)})
    attempt_url = started.headers["Location"]
    saved = course.client.post(
        attempt_url + "/save",
        data={"csrf_token": csrf_token_of(page), "answer-q-accuracy": "noventa"},
        headers={"Accept": "application/json"},
    ).get_json()
    assert saved["problems"] == {"q-accuracy": "Escriba un número, como 12,5 o -3."}


def test_module_translations_show_in_the_ui_language(course):
    course.launch(**presentation("es-MX"))
    overview = page(course.client, "/learn/m/sample/basics")
    assert "Conceptos básicos" in overview and "Qué es un modelo" in overview
    lesson = page(course.client, "/learn/a/sample/intro")
    assert "transforma entradas en salidas" in lesson and "maps inputs to outputs" not in lesson
    english = page(course.client, "/learn/a/sample/intro", **{"Accept-Language": "en"})
    assert "transforma" in english  # the launch's claim (es-MX) still wins
    english_browser = course.app.test_client()
    course.launch(client=english_browser)
    original = page(english_browser, "/learn/a/sample/intro")
    assert "maps inputs to outputs" in original and "Qué es un modelo" not in original


def test_content_translation_languages_are_the_uis_other_languages():
    assert set(TRANSLATION_LANGUAGES) == set(SUPPORTED_LOCALES) - {"en"}


# -- the catalogue -----------------------------------------------------------------------


def extracted_msgids() -> dict[str | tuple[str, ...], str]:
    """Every msgid marked in the sources, the way babel.cfg extracts them, with a place."""
    method_map, options_map = parse_mapping_cfg(io.StringIO((ROOT / "babel.cfg").read_text()))
    keywords = {**DEFAULT_KEYWORDS, "_l": None}
    found: dict[str | tuple[str, ...], str] = {}
    for filename, lineno, message, _comments, _context in extract_from_dir(
        ROOT, method_map, options_map, keywords=keywords
    ):
        found.setdefault(message, f"{filename}:{lineno}")
    return found


def spanish_catalog():
    with SPANISH_PO.open("rb") as po:
        return read_po(po, locale="es")


def entries(mo: io.BufferedIOBase) -> dict:
    """A compiled catalogue's msgid → msgstr (plural forms as tuples)."""

    def hashable(value):
        return tuple(value) if isinstance(value, list | tuple) else value

    return {hashable(m.id): hashable(m.string) for m in read_mo(mo) if m.id}


def test_every_ui_string_has_a_spanish_translation():
    catalog = spanish_catalog()
    problems = []
    for message_id, place in sorted(extracted_msgids().items(), key=lambda kv: kv[1]):
        key = message_id[0] if isinstance(message_id, tuple) else message_id
        entry = catalog.get(key)
        if entry is None:
            problems.append(f"{place}: not in messages.po: {key!r}")
        elif entry.fuzzy:
            problems.append(f"{place}: fuzzy in messages.po: {key!r}")
        elif not all(entry.string if isinstance(entry.string, tuple) else [entry.string]):
            problems.append(f"{place}: not translated: {key!r}")
    for entry, errors in catalog.check():
        problems += [f"messages.po: {entry.id!r}: {error}" for error in errors]
    assert not problems, "\n".join(problems) + "\n\n" + HOW_TO_FIX


def test_compiled_catalogue_matches_the_po():
    compiled = io.BytesIO()
    write_mo(compiled, spanish_catalog())
    compiled.seek(0)
    with SPANISH_MO.open("rb") as committed:
        assert entries(committed) == entries(compiled), "messages.mo is stale.\n\n" + HOW_TO_FIX


# -- every page type in Spanish --------------------------------------------------------------


def test_every_page_type_in_spanish_has_no_english_outside_lang_en(make_app, simulated_lms, db_url):
    """The accessibility tour's pages, fetched over HTTP in es-MX: each says <html lang="es">
    and holds no English marker words except inside lang="en" (content still in English)."""
    problems = []
    with page_tour.serving_sample(make_app, simulated_lms, db_url) as (base, lms):
        for visitor in page_tour.tour(base, lms, "es-MX"):
            for stop in visitor.stops:
                response = page_tour.fetch(base, visitor, stop)
                where = f"{stop.name} ({stop.path})"
                if response.status_code != stop.status:
                    problems.append(f"{where}: status {response.status_code}, not {stop.status}")
                if not re.search(r'<html[^>]*\slang="es"', response.text):
                    problems.append(f'{where}: not <html lang="es">')
                problems += [
                    f"{where}: {found}" for found in english_outside_lang_en(response.text)
                ]
    assert problems == [], "\n".join(problems)


def test_completion_reasons_mark_the_titles_left_in_english(course):
    """Why a track is not complete names modules and activities: on a Spanish page an
    untranslated title is marked English (WCAG 3.1.2), a translated one is not."""
    course.launch(**presentation("es-MX"))
    spanish = page(course.client, "/learn/progress")
    assert '<span lang="en">Responsible use</span> (' in spanish  # the ethics module
    assert "<li>Conceptos básicos: " in spanish  # translated: part of the sentence
    english_browser = course.app.test_client()
    course.launch(client=english_browser)
    english = page(english_browser, "/learn/progress")
    assert "<li>Responsible use (" in english and 'lang="en">Responsible' not in english
