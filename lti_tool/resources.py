"""Where the top-level data folders (templates/, config/) live, installed or not.

A wheel carries them inside the ``lti_tool`` package (see ``force-include`` in
pyproject.toml); a source checkout or an editable install keeps them beside it.
"""

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def resource_dir(name: str) -> Path:
    """Return the folder ``name`` ("templates" or "config") wherever this install keeps it."""
    inside = _PACKAGE / name
    return inside if inside.is_dir() else _PACKAGE.parent / name
