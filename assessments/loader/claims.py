"""claims.yaml: the register of the track's dated facts, each with its sources."""

from __future__ import annotations

from assessments.loader.reader import CLAIMS_FILE, TrackReader
from assessments.model import Claim, Source
from assessments.spec import Spec, unique


def read_claims(reader: TrackReader) -> tuple[Claim, ...]:
    """``claims.yaml``: ``{claims: [{id, claim, where: [file], sources: [{title, url,
    published?}], checked, review_by, note?}]}`` — the register of the track's dated facts."""
    path = reader.folder / CLAIMS_FILE
    if not path.is_file():
        return ()
    spec = reader.read_yaml(path)
    if spec is None:
        return ()
    entries = spec.children("claims")
    claims = [claim for entry in entries if (claim := _read_claim(reader, entry)) is not None]
    unique(((entry, entry.data.get("id")) for entry in entries), "claim")
    spec.done()
    return tuple(claims)


def _read_claim(reader: TrackReader, entry: Spec) -> Claim | None:
    claim_id, text = entry.ident(), entry.text("claim")
    where = _where(reader, entry)
    sources = [_read_source(child) for child in entry.children("sources")]
    checked, review_by = reader.review_dates(entry, "checked", "the claim")
    if checked is not None and checked > reader.today:
        entry.error(f"'checked' {checked} is in the future", "checked")
    note = entry.text("note", "")
    entry.done()
    read = tuple(source for source in sources if source is not None)
    if (
        entry.ok
        and claim_id is not None
        and text is not None
        and checked is not None
        and review_by is not None
        and note is not None
        and len(read) == len(sources)
    ):
        return Claim(claim_id, text, tuple(where), read, checked, review_by, note)
    return None


def _where(reader: TrackReader, entry: Spec) -> list[str]:
    """The files of the track that state the claim."""
    where = []
    for value, line in entry.entries("where"):
        if not isinstance(value, str) or not value:
            entry.sink.add(line, f"'where' entries are files of the track, found {value!r}")
        elif reader.inside(entry, "where", value, reader.folder) is not None:
            where.append(value)
    return where


def _read_source(spec: Spec) -> Source | None:
    title, url = spec.text("title"), spec.text("url")
    published = spec.date("published") if spec.has("published") else None
    spec.done()
    if url is not None and not url.startswith(("https://", "http://")):
        spec.error(f"'url' must be a web address, found {url!r}", "url")
        return None
    return None if title is None or url is None else Source(title, url, published)
