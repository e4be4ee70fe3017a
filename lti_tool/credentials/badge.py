"""A track's badge: the image of its Open Badges 3.0 achievement, drawn as SVG from the track.

One image per track at a stable public URL (``badge_url``), so every credential of the track,
whichever version it certifies, can point at it: the badge shows what does not change
between versions (the title, whether the track is a specialisation, the issuer) and never a
version number. Like the credential document it is written in the credential's language
(English), not the reader's, because wallets, LinkedIn and caches fetch one image per URL.

Every piece of text is XML-escaped; the image has a ``<title>`` and ``<desc>``, no script, no
style sheet and no reference to anything outside itself, so it is safe to serve from our
origin and to embed anywhere.
"""

from __future__ import annotations

import hashlib
import textwrap
from xml.sax.saxutils import escape

from assessments.model import Track
from lti_tool.settings import Settings

#: Served with this media type; browsers render nothing else as SVG.
MEDIA_TYPE = "image/svg+xml"
#: How long browsers and shared caches may keep a badge (a renamed track shows within a day).
CACHE_SECONDS = 86_400
#: The badge's intrinsic size in CSS pixels (it scales: pages may draw it smaller).
SIZE = 240

#: Background colours, each with white text at a contrast of at least 4.5:1 (WCAG AA for
#: normal text). A track keeps its colour because it is chosen from the track's id; the
#: colour only decorates: the words say everything the badge means.
_PALETTE = ("#0b5cad", "#1d6b3a", "#6a3d9a", "#8a4b08", "#a4161a", "#0f5f66")
_TITLE_COLUMNS = 16
_TITLE_LINES = 4


def badge_url(settings: Settings, track_id: str) -> str:
    return settings.url_for(f"/credentials/tracks/{track_id}/badge.svg")


def kind(track: Track) -> str:
    """What the badge certifies: a core certificate, or a specialisation of another track."""
    return "Specialisation" if track.extends else "Certificate"


def caption(track: Track, issuer_name: str) -> str:
    """The image's text alternative: what the badge says, as one sentence."""
    return f"Badge of the {kind(track).lower()} {track.title}, issued by {issuer_name}"


def colour(track_id: str) -> str:
    digest = hashlib.sha256(track_id.encode()).digest()
    return _PALETTE[digest[0] % len(_PALETTE)]


def title_lines(title: str) -> list[str]:
    """The track's title wrapped to fit the badge; a title too long ends with an ellipsis."""
    lines = textwrap.wrap(title, _TITLE_COLUMNS, break_long_words=True) or [""]
    if len(lines) > _TITLE_LINES:
        lines = lines[:_TITLE_LINES]
        lines[-1] = lines[-1][: _TITLE_COLUMNS - 1].rstrip() + "…"
    return lines


def _shorten(value: str, width: int) -> str:
    """``value`` in at most ``width`` characters, cut at a word when it can be."""
    short = textwrap.shorten(value, width, placeholder="…")
    return short if short != "…" else value[: width - 1] + "…"


def _text(value: str) -> str:
    """``value`` safe as XML character data or a double-quoted attribute."""
    return escape(value, {'"': "&quot;"})


def _line(y: float, size: int, weight: str, value: str) -> str:
    return (
        f'<text x="120" y="{y:g}" font-size="{size}" font-weight="{weight}" '
        f'text-anchor="middle">{_text(value)}</text>'
    )


def svg(track: Track, issuer_name: str) -> str:
    """The badge of ``track`` issued by ``issuer_name``, a complete SVG document."""
    lines = title_lines(track.title)
    first = 124 - (len(lines) - 1) * 11  # the title block centred on the badge
    title = "".join(_line(first + 22 * n, 19, "700", line) for n, line in enumerate(lines))
    issuer = _shorten(issuer_name, 22)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{SIZE}" height="{SIZE}" '
        f'viewBox="0 0 {SIZE} {SIZE}" role="img" aria-labelledby="badge-title badge-desc">'
        f'<title id="badge-title">{_text(track.title)}</title>'
        f'<desc id="badge-desc">{_text(caption(track, issuer_name))}</desc>'
        f'<circle cx="120" cy="120" r="116" fill="{colour(track.id)}"/>'
        '<circle cx="120" cy="120" r="104" fill="none" stroke="#ffffff" stroke-width="3"/>'
        '<g fill="#ffffff" font-family="system-ui, -apple-system, Segoe UI, Roboto, sans-serif">'
        f"{_line(62, 13, '600', kind(track).upper())}"
        f"{title}"
        f"{_line(186, 12, '400', issuer)}"
        "</g></svg>\n"
    )
