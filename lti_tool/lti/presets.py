"""Per-LMS presets (config/platforms/<name>.toml): known endpoints and quirks.

Endpoint templates may use ``{site}`` (the LMS's own URL, for self-hosted LMSs whose
issuer is their site) and ``{client_id}``.
"""

from __future__ import annotations

import dataclasses
import functools
import tomllib

from lti_tool.resources import resource_dir

PRESET_DIR = resource_dir("config") / "platforms"


@dataclasses.dataclass(frozen=True)
class Preset:
    name: str
    title: str
    #: Fixed issuer (Canvas, Blackboard, Schoology); None when the issuer is the site URL.
    issuer: str | None
    auth_login_url: str
    auth_token_url: str
    key_set_url: str
    auth_audience: str | None
    #: Origins the LMS frames the tool from, beyond the issuer's and login URL's.
    frame_origins: tuple[str, ...]
    #: What an administrator must know about this LMS, shown by `skillcert platform config`.
    notes: str

    def expand(self, template: str, *, site: str | None, client_id: str) -> str:
        if "{site}" in template and not site:
            raise ValueError(f"The {self.title} preset needs the LMS's site URL (--site-url).")
        return template.format(site=(site or "").rstrip("/"), client_id=client_id)


@functools.cache
def load_presets() -> dict[str, Preset]:
    presets = {}
    for path in sorted(PRESET_DIR.glob("*.toml")):
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        presets[path.stem] = Preset(
            name=path.stem,
            title=data["title"],
            issuer=data.get("issuer"),
            auth_login_url=data.get("auth_login_url", ""),
            auth_token_url=data.get("auth_token_url", ""),
            key_set_url=data.get("key_set_url", ""),
            auth_audience=data.get("auth_audience"),
            frame_origins=tuple(data.get("frame_origins", ())),
            notes=data.get("notes", "").strip(),
        )
    return presets


def get_preset(name: str) -> Preset:
    presets = load_presets()
    try:
        return presets[name]
    except KeyError:
        raise ValueError(
            f"Unknown LMS preset {name!r}; choose one of: {', '.join(sorted(presets))}."
        ) from None
