"""The engine's "why not yet" reasons (assessments.policy.Unmet), worded in the UI language.

The engine returns each unmet requirement as a kind with parameters and imports no web
framework; this is the one place that turns them into sentences through gettext.
"""

from __future__ import annotations

from flask_babel import format_decimal, get_locale, gettext, ngettext
from markupsafe import Markup, escape

from assessments.policy import Unmet, UnmetKind


def describe(reason: Unmet) -> Markup:
    """One sentence for the learner's progress page (the ``unmet_reason`` template filter),
    the content's title in it marked with its language when that is not the page's."""
    # Safe: the catalogue's text with escaped values (the title, the reason) and numbers.
    return Markup(_sentence(reason, _title(reason)))  # noqa: S704


def _title(reason: Unmet) -> Markup:
    if reason.language == str(get_locale()):
        return escape(reason.title)
    return Markup('<span lang="{}">{}</span>').format(reason.language, reason.title)


def _sentence(reason: Unmet, title: Markup) -> str:
    if reason.because:
        label = gettext(
            "%(title)s (%(because)s, mandatory)", title=title, because=escape(reason.because)
        )
    else:
        label = title
    percent = format_decimal(round(reason.percent))
    pass_mark = format_decimal(reason.pass_mark)
    match reason.kind:
        case UnmetKind.MODULE_NOT_STARTED:
            return gettext("%(module)s: not started yet.", module=label)
        case UnmetKind.MODULE_BELOW_MARK if reason.waiting:
            return ngettext(
                "%(module)s: %(percent)s%% so far, %(pass_mark)s%% needed; "
                "%(num)d piece still waits for grading.",
                "%(module)s: %(percent)s%% so far, %(pass_mark)s%% needed; "
                "%(num)d pieces still wait for grading.",
                reason.waiting,
                module=label,
                percent=percent,
                pass_mark=pass_mark,
            )
        case UnmetKind.MODULE_BELOW_MARK:
            return gettext(
                "%(module)s: %(percent)s%% so far, %(pass_mark)s%% needed.",
                module=label,
                percent=percent,
                pass_mark=pass_mark,
            )
        case UnmetKind.CAPSTONE_NOT_SUBMITTED:
            return gettext("Capstone “%(title)s”: not submitted yet.", title=title)
        case UnmetKind.CAPSTONE_AWAITING_GRADING:
            return gettext(
                "Capstone “%(title)s”: submitted, waiting for an instructor to grade it.",
                title=title,
            )
        case UnmetKind.CAPSTONE_BELOW_MARK:
            return gettext(
                "Capstone “%(title)s”: %(percent)s%%, %(pass_mark)s%% needed.",
                title=title,
                percent=percent,
                pass_mark=pass_mark,
            )
        case UnmetKind.ACTIVITY_BELOW_MINIMUM if reason.waiting:
            return gettext(
                "%(activity)s: waits for grading; %(pass_mark)s%% needed in this activity "
                "on its own.",
                activity=title,
                pass_mark=pass_mark,
            )
        case UnmetKind.ACTIVITY_BELOW_MINIMUM:
            return gettext(
                "%(activity)s: %(percent)s%% so far, %(pass_mark)s%% needed in this activity "
                "on its own.",
                activity=title,
                percent=percent,
                pass_mark=pass_mark,
            )
        case UnmetKind.CRITICAL_FAILED:
            return gettext(
                "%(activity)s: a critical check was not passed, so this activity is not passed "
                "whatever its total.",
                activity=title,
            )
        case UnmetKind.CRITICAL_NOT_PASSED_YET:
            return gettext(
                "%(activity)s: the critical checks of this activity must be passed.",
                activity=label,
            )
