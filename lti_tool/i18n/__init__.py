"""The UI's language: the LMS's launch locale, then the browser's, then the configured default.

Every string a person reads goes through Flask-Babel (``_()`` in templates, ``gettext`` /
``lazy_gettext`` in Python); the catalogues live in ``lti_tool/translations`` so a wheel
carries them inside the package. docs/translating.md says how to add or change a string.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask, current_app, has_request_context, request
from flask_babel import Babel, format_percent, get_locale
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from sqlalchemy.exc import SQLAlchemyError

from assessments.model import CONTENT_LANGUAGE
from lti_tool.i18n import completion_words, engine_words
from lti_tool.lti.constants import Claim
from lti_tool.settings import SUPPORTED_LOCALES

TRANSLATIONS_DIR = Path(__file__).resolve().parent.parent / "translations"

#: Names of roles and activity kinds (enum values) as pages show them.
LABELS = {
    "learner": _l("Learner"),
    "instructor": _l("Instructor"),
    "co-instructor": _l("Co-instructor"),  #: the demo LMS's second instructor
    "administrator": _l("Administrator"),
    "lesson": _l("lesson"),
    "lab": _l("lab"),
    "scenario": _l("scenario"),
    "project": _l("project"),
    "quiz": _l("quiz"),
    "exam": _l("exam"),
}


def init_app(app: Flask) -> None:
    app.config["BABEL_DEFAULT_LOCALE"] = app.config["SETTINGS"].default_locale
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(TRANSLATIONS_DIR)
    # Multi-line {% trans %} blocks become one-line msgids, as babel.cfg extracts them.
    app.jinja_env.policies["ext.i18n.trimmed"] = True
    Babel(app, locale_selector=select_locale)
    app.jinja_env.globals["ui_language"] = ui_language
    app.jinja_env.globals["content_lang"] = content_lang
    app.jinja_env.filters["percent"] = percent
    app.jinja_env.filters["label"] = label
    app.jinja_env.filters["unmet_reason"] = completion_words.describe
    app.jinja_env.filters["undefined_reason"] = engine_words.undefined_reason
    app.jinja_env.filters["refusal"] = engine_words.refusal
    app.jinja_env.globals["counting_words"] = engine_words.COUNTING


def ui_language() -> str:
    """The language of this response, for ``<html lang>``."""
    return str(get_locale() or current_app.config["SETTINGS"].default_locale)


def content_lang(content: Any = None) -> Markup:
    """`` lang="en"`` for a tag holding track content written in another language than the
    page's (WCAG 3.1.2), else nothing: ``<h1{{ content_lang(activity) }}>``.

    ``content`` is an activity or module (its ``language`` says whether it was translated),
    a language tag, or nothing for what is never translated (tracks, competencies, code)."""
    language = content if isinstance(content, str) else None
    if language is None:
        language = getattr(content, "language", CONTENT_LANGUAGE)
    return Markup(' lang="{}"').format(language) if language != ui_language() else Markup("")


def percent(share: float | None, digits: int = 1) -> str:
    """A share (0.725) as a percentage in the UI language: "72.5%", "72,5 %"."""
    if share is None:
        return ""
    # The locale's own pattern ("#,##0%", "#,##0\u00a0%") with ``digits`` decimals.
    pattern = get_locale().percent_formats[None].pattern
    if digits:
        whole = pattern.rindex("0")
        pattern = f"{pattern[: whole + 1]}.{'0' * digits}{pattern[whole + 1 :]}"
    return str(format_percent(share, pattern))


def label(value: Any) -> str:
    """A role's or activity kind's name in the UI language (``{{ launch.role | label }}``)."""
    return str(LABELS.get(str(value), value))


def supported_language(tag: Any) -> str | None:
    """The supported language of a BCP 47 tag ("es-MX" → "es"), or None."""
    if not isinstance(tag, str):
        return None
    language = tag.replace("_", "-").split("-", 1)[0].strip().lower()
    return language if language in SUPPORTED_LOCALES else None


def launch_locale() -> str | None:
    """The locale the LMS asked for in this session's launch (launch_presentation.locale)."""
    # Imported here: sessions imports the database layer, which the app sets up first.
    from lti_tool.sessions import current_launch

    try:
        launch = current_launch()
    except SQLAlchemyError:
        # An error page for a failing database must still render (in the fallback language).
        return None
    if launch is None:
        return None
    presentation = launch.claims.get(Claim.LAUNCH_PRESENTATION)
    return (
        supported_language(presentation.get("locale")) if isinstance(presentation, dict) else None
    )


def select_locale() -> str:
    """Launch locale, else the browser's best match, else the ``default_locale`` setting."""
    if has_request_context():
        chosen = launch_locale() or request.accept_languages.best_match(SUPPORTED_LOCALES)
        if chosen:
            return chosen
    return current_app.config["SETTINGS"].default_locale
