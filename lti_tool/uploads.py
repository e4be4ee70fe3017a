"""Request size limits per view: small by default, larger only where a form takes uploads.

The app-wide ``MAX_CONTENT_LENGTH`` keeps every other form small. A view that accepts
files or long text raises its own limits with :func:`accepts_uploads`. The limits must be
known when the body is parsed, which happens before the view runs (the CSRF check reads
the form), so the request looks them up from the matched view.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Request, current_app

MiB = 1 << 20
#: Werkzeug's default cap on one text field (500 kB) is below what the code editor takes.
_DEFAULT_FIELD_BYTES = 500_000


def accepts_uploads(
    total_bytes: int, field_bytes: int = _DEFAULT_FIELD_BYTES
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Let this view's requests carry up to ``total_bytes``, and text fields ``field_bytes``."""

    def mark(view: Callable[..., Any]) -> Callable[..., Any]:
        # mypy does not model attributes set on a function object.
        view.upload_limits = (total_bytes, field_bytes)  # type: ignore[attr-defined]
        return view

    return mark


class UploadAwareRequest(Request):
    """A request whose size limits come from its view when it has :func:`accepts_uploads`."""

    def _view_limits(self) -> tuple[int, int] | None:
        if not current_app:
            return None
        view = current_app.view_functions.get(self.endpoint or "")
        return getattr(view, "upload_limits", None)

    # Flask's limits can also be set on a request; these come from the view alone, so they
    # are read-only on purpose, which mypy reports as an incompatible override.
    @property  # type: ignore[misc]
    def max_content_length(self) -> int | None:  # type: ignore[override]
        limits = self._view_limits()
        return limits[0] if limits else super().max_content_length

    @property  # type: ignore[misc]
    def max_form_memory_size(self) -> int | None:  # type: ignore[override]
        limits = self._view_limits()
        return limits[1] if limits else super().max_form_memory_size
