"""JSON-LD processing with local contexts only: canonical N-Quads and the undefined-term check.

PyLD resolves every ``@context`` URL through ``document_loader``, which serves the files in
``contexts/`` and refuses anything else — a credential handed to ``/api/verify`` can never
make the tool fetch a URL.

Speed (``bench/credentials.py``, docs/performance.md): every credential uses the same few
contexts, and plain PyLD spent most of a canonicalisation re-processing them. Resolved
contexts are kept for the process in a cache of our own (no other PyLD user shares it),
tagged ``static`` so PyLD keeps them at all; ``_Processor`` caches processed contexts and
repeated objects and expands a document once; ``_Rdfc10`` avoids a deep copy. Then the
expanded document is canonicalised by Oxigraph where that gives PyLD's bytes
(``compiled_canonical``), by PyLD elsewhere.

JSON-LD silently drops a property its contexts do not define; a signature over the
canonical form would then not cover what the JSON shows. ``canonicalize`` therefore
refuses such documents (as jsonld.js "safe mode" does in other verifiers).
"""

from __future__ import annotations

import copy
import functools
import json
import threading
from pathlib import Path
from typing import Any

from cachetools import LRUCache
from pyld import jsonld
from pyld.canon import URDNA2015
from pyld.context_resolver import ContextResolver
from pyld.identifier_issuer import IdentifierIssuer

from lti_tool.credentials.compiled_canonical import canonical_nquads

CONTEXTS_DIR = Path(__file__).parent / "contexts"

CREDENTIALS_V2 = "https://www.w3.org/ns/credentials/v2"
OB_V3P0 = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
CLR_V2P0 = "https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json"

#: context URL → file in contexts/ (SOURCES.md gives their origins and hashes).
CONTEXT_FILES = {
    CREDENTIALS_V2: "credentials-v2.jsonld",
    OB_V3P0: "ob-v3p0-context-3.0.3.json",
    CLR_V2P0: "clr-v2p0-context-2.0.1.json",
    "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json": "ob-v3p0-extensions.json",
    "https://w3id.org/security/data-integrity/v2": "data-integrity-v2.jsonld",
    "https://w3id.org/security/multikey/v1": "multikey-v1.jsonld",
    "https://www.w3.org/ns/credentials/status/v1": "vc-bitstring-status-list-v1.jsonld",
}

#: Most blank nodes a document may have: canonicalising crafted graphs of many alike blank
#: nodes takes exponential time. A credential has about fifty (evidence, alignments; up to
#: about 110 with an institution's mapped items); a learner record (``clr``) holds several
#: and about seven per competency result: some 750 for every real track at once.
MAX_BLANK_NODES = 1000

#: Resolved contexts (the files and the scoped contexts inside them, about 30), shared by
#: every canonicalisation in this process; bounded, as a document may bring inline contexts.
#: Keyed by URL (or an inline context's JSON); pyld keeps its resolved contexts by tag.
_resolved_contexts: LRUCache[str, dict[str, Any]] = LRUCache(maxsize=256)


class JsonLdError(ValueError):
    """The document cannot be canonicalised as it stands; the message says why."""


@functools.cache
def _context_document(url: str) -> dict[str, Any]:
    return json.loads((CONTEXTS_DIR / CONTEXT_FILES[url]).read_text(encoding="utf-8"))


def document_loader(url: str, options: dict[str, Any] | None = None) -> dict[str, Any]:
    """PyLD's loader: the bundled context for a known URL; any other URL is an error."""
    if url not in CONTEXT_FILES:
        raise jsonld.JsonLdError(
            f"context {url!r} is not one SkillCert knows; contexts are never fetched",
            "jsonld.LoadDocumentError",
            code="loading document failed",
        )
    return {
        "contextUrl": None,
        "documentUrl": url,
        "contentType": "application/ld+json",
        "document": copy.deepcopy(_context_document(url)),
        # PyLD keeps a resolved context for later operations only when it is tagged.
        "tag": "static",
    }


class _Processor(jsonld.JsonLdProcessor):
    """PyLD's processor, caching what repeats from one credential to the next.

    - Processed contexts, by the context they were processed against. PyLD's own cache
      misses every type-scoped context (Open Badges has one per class): it keys them on
      a fresh copy of the active context each time.
    - Expanded objects, by their JSON and context: the achievement and the issuer profile
      are the same in every credential of a track, evidence entries often are. Only
      expansions that dropped nothing are kept, so ``dropped`` still lists every
      undefined term of every document.
    - ``dataset`` is ``to_rdf`` without expanding the document a second time.

    Only JSON of at most ``MAX_CACHED_JSON`` characters is a key, so a document sent to
    /api/verify cannot fill memory. Relies on PyLD 3 internals (pinned below 4 in
    pyproject.toml): ``_process_context``, ``_expand`` and the node-map and RDF steps of
    ``to_rdf``. A context with a ``_uuid`` is frozen (PyLD's own cache relies on that)
    and the options are always ours, so each result depends only on its cache key.
    """

    MAX_CACHED_JSON = 16_384
    #: About 35 for the credentials of all tracks.
    _processed: LRUCache = LRUCache(maxsize=256)
    #: Bounded by size: about 4 MB of expanded JSON (and half as much again in keys).
    _expanded: LRUCache = LRUCache(maxsize=4 * 2**20, getsizeof=len)
    _lock = threading.Lock()

    def __init__(self) -> None:
        self.dropped: list[str] = []
        super().__init__(on_property_dropped=lambda term: self.dropped.append(str(term)))

    def _process_context(
        self,
        active_ctx,
        local_ctx,
        options,
        override_protected=False,
        propagate=True,
        validate_scoped=True,
        cycles=None,
    ):
        flags = (override_protected, propagate, validate_scoped)
        uid = active_ctx.get("_uuid")
        text = json.dumps(local_ctx, sort_keys=True) if uid and not cycles else ""
        if not text or len(text) > self.MAX_CACHED_JSON:
            return super()._process_context(active_ctx, local_ctx, options, *flags, cycles)
        key = (uid, text, *flags)
        with self._lock:
            processed = self._processed.get(key)
        if processed is None:
            processed = super()._process_context(active_ctx, local_ctx, options, *flags)
            with self._lock:
                self._processed[key] = processed
        return processed

    def _expand(
        self,
        active_ctx,
        active_property,
        element,
        options,
        inside_list=False,
        inside_index=False,
        type_scoped_ctx=None,
    ):
        args = (active_ctx, active_property, element, options, inside_list, inside_index)
        uids = (active_ctx.get("_uuid"), (type_scoped_ctx or {"_uuid": ""}).get("_uuid"))
        text = json.dumps(element) if isinstance(element, dict) and None not in uids else ""
        if not text or len(text) > self.MAX_CACHED_JSON:
            return super()._expand(*args, type_scoped_ctx)
        key = (*uids, active_property, inside_list, inside_index, text)
        with self._lock:
            cached = self._expanded.get(key)
        if cached is not None:
            return json.loads(cached)
        dropped = len(self.dropped)
        expanded = super()._expand(*args, type_scoped_ctx)
        if len(self.dropped) == dropped:
            with self._lock:
                self._expanded[key] = json.dumps(expanded)
        return expanded

    def dataset(self, expanded: list[Any]) -> dict[str, Any]:
        """The RDF dataset of an expanded document (``to_rdf`` without expanding again)."""
        issuer = IdentifierIssuer("_:b")
        node_map: dict[str, Any] = {"@default": {}}
        self._create_node_map(expanded, node_map, "@default", issuer)
        options = {"produceGeneralizedRdf": False, "processingMode": "json-ld-1.1"}
        return {
            name: self._graph_to_rdf(graph, issuer, options)
            for name, graph in sorted(node_map.items())
            if name == "@default" or jsonld._is_absolute_iri(name)
        }


class _Rdfc10(URDNA2015):
    """PyLD's RDFC-1.0 (URDNA2015), copying a blank node term with ``dict`` where PyLD
    deep-copies it (a flat {type, value}; the deep copy was a tenth of the time)."""

    def modify_first_degree_component(self, id_, component, key):
        if component["type"] != "blank node":
            return component
        return {**component, "value": "_:a" if component["value"] == id_ else "_:z"}


def _options() -> dict[str, Any]:
    return {
        "documentLoader": document_loader,
        "contextResolver": ContextResolver(_resolved_contexts, document_loader),
        "base": None,
    }


def canonicalize(document: dict[str, Any]) -> str:
    """RDFC-1.0 (URDNA2015) canonical N-Quads of ``document``.

    Raises ``JsonLdError`` when a context is unknown or malformed, or when a property or
    type is not defined by the document's contexts (it would be silently dropped).
    """
    processor = _Processor()
    try:
        expanded = processor.expand(document, _options())
        if processor.dropped:
            raise JsonLdError(_undefined_message(processor.dropped))
        relative = sorted(_relative_types(expanded))
        if relative:
            raise JsonLdError(_undefined_message(relative, "type"))
        if _blank_nodes(expanded) > MAX_BLANK_NODES:
            raise JsonLdError(f"the document has more than {MAX_BLANK_NODES} unnamed objects")
        compiled = canonical_nquads(expanded)
        if compiled is not None:
            return compiled
        return _Rdfc10().main(processor.dataset(expanded), {"format": "application/n-quads"})
    except JsonLdError:
        raise
    except jsonld.JsonLdError as exc:
        raise JsonLdError(_reason(exc)) from None
    except RecursionError:
        raise JsonLdError("the document is nested too deeply") from None
    except (TypeError, ValueError, KeyError, IndexError, AttributeError) as exc:
        # PyLD assumes well-formed JSON-LD in places; anything else is the input's fault.
        raise JsonLdError(f"the document is not valid JSON-LD ({type(exc).__name__})") from None


def _undefined_message(terms: list[str], what: str = "term") -> str:
    names = ", ".join(sorted(set(terms)))
    return f"{what}(s) not defined by the document's @context: {names}"


def _relative_types(node: Any) -> set[str]:
    """``@type`` values that did not expand to an absolute IRI (an undefined type name)."""
    found: set[str] = set()
    if isinstance(node, list):
        for item in node:
            found |= _relative_types(item)
    elif isinstance(node, dict):
        for key, value in node.items():
            if key == "@type" and not isinstance(value, dict):
                values = value if isinstance(value, list) else [value]
                found |= {v for v in values if isinstance(v, str) and ":" not in v}
            elif key != "@value":
                found |= _relative_types(value)
    return found


def _blank_nodes(node: Any) -> int:
    """Node objects without an ``@id`` in expanded JSON-LD."""
    if isinstance(node, list):
        return sum(_blank_nodes(item) for item in node)
    if not isinstance(node, dict) or "@value" in node:
        return 0
    own = 0 if "@id" in node or "@list" in node else 1
    return own + sum(_blank_nodes(value) for key, value in node.items() if key != "@id")


def _reason(exc: jsonld.JsonLdError) -> str:
    """The innermost PyLD message: the one that names the context or value at fault."""
    while isinstance(exc.__cause__, jsonld.JsonLdError):
        exc = exc.__cause__
    return str(exc.args[0]) if exc.args else exc.type
