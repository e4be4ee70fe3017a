"""RDFC-1.0 canonical N-Quads of expanded JSON-LD by Oxigraph (Rust), where it is known to
write exactly what PyLD writes; None elsewhere, and the caller uses PyLD.

Speed: PyLD's node map, RDF conversion and RDFC-1.0 were about three quarters of a
credential's canonicalisation, all pure Python (docs/performance.md, "Credentials").
``pyoxigraph`` (0.5.13, 2026-10; RDFC-1.0 since oxigraph pull request 1549, checked
2026-12-06) does those steps in Rust from the expanded document PyLD has already checked.

Where the two differ, checked 2026-12-06 against PyLD 3.3 on crafted documents
(tests/test_credentials_jsonld.py keeps them): Oxigraph, following the JSON-LD spec, drops
a triple whose IRI is relative or malformed or whose language tag is invalid, where PyLD
keeps it; it writes doubles (and integers of 10^21 and more) with every digit, where PyLD
writes 15; it escapes control characters other than tab and newline, which PyLD writes
raw. Directions, ``@json`` literals and named graphs (the proofs of the credentials in a
learner record) were not compared, so they are left to PyLD too. The documents taken here
have none of these: no double, no such character (seen in the JSON text both parse), no
direction, ``@json``, ``@graph``, ``@reverse`` or ``@included``, and Oxigraph must read
exactly as many quads as the expanded document holds — a dropped triple, or a duplicate
that either would merge, sends the document to PyLD.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pyoxigraph

#: In JSON text as ``json.dumps`` writes it: controls other than \n and \t, DEL, and
#: characters outside the Basic Multilingual Plane (written as surrogate pairs).
_WRITTEN_DIFFERENTLY = re.compile(r"\\[bfr]|\\u00[01]|\\u007f|\\ud[89a-f]|\x7f", re.IGNORECASE)
_XSD_DOUBLE = "http://www.w3.org/2001/XMLSchema#double"
_NOT_TAKEN = frozenset({"@reverse", "@graph", "@included", "@direction"})
_LARGEST_INTEGER = 10**21


def canonical_nquads(expanded: list[Any]) -> str | None:
    """The canonical N-Quads of ``expanded``, or None when PyLD must write them."""
    text = json.dumps(expanded)
    expected = _document_quads(expanded)
    if expected is None or _WRITTEN_DIFFERENTLY.search(text):
        return None
    try:
        quads = pyoxigraph.parse(text, format=pyoxigraph.RdfFormat.JSON_LD)
        dataset = pyoxigraph.Dataset(quads)
    except (SyntaxError, ValueError):
        return None
    if len(dataset) != expected:
        return None
    dataset.canonicalize(pyoxigraph.CanonicalizationAlgorithm.RDFC_1_0)
    nquads = pyoxigraph.serialize(dataset, format=pyoxigraph.RdfFormat.N_QUADS)
    if nquads is None:  # only with an output file to write to
        return None
    # Split at "\n" only: str.splitlines would also split inside a literal (at U+2028…).
    lines = nquads.decode().split("\n")
    return "".join(sorted(f"{line}\n" for line in lines if line))


def _document_quads(nodes: list[Any]) -> int | None:
    """How many quads the expanded document's top-level nodes state (None: not taken)."""
    total = 0
    for node in nodes:
        count = _node_quads(node) if isinstance(node, dict) else None
        if count is None:
            return None
        total += count
    return total


def _node_quads(node: dict[str, Any]) -> int | None:
    if "@value" in node or "@list" in node or _NOT_TAKEN & node.keys():
        return None
    total = 0
    for key, values in node.items():
        if key in ("@id", "@index"):
            continue
        if not isinstance(values, list):
            return None
        if key == "@type":
            total += len(values)
            continue
        for value in values:
            count = _value_quads(value)
            if count is None:
                return None
            total += count
    return total


def _value_quads(value: Any) -> int | None:
    """The quads one property value states: its own, and those of a nested node or list."""
    if not isinstance(value, dict):
        return None
    if "@value" in value:
        return 1 if _literal_taken(value) else None
    if "@list" in value:
        items = value["@list"]
        # One quad to the list's first node (or rdf:nil), a first and a rest per item.
        total = 1 + 2 * len(items)
        for item in items:
            nested = None if isinstance(item, dict) and "@list" in item else _value_quads(item)
            if nested is None:
                return None
            total += nested - 1
        return total
    nested = _node_quads(value)
    return None if nested is None else 1 + nested


def _literal_taken(value: dict[str, Any]) -> bool:
    literal = value["@value"]
    if "@direction" in value or value.get("@type") in (_XSD_DOUBLE, "@json"):
        return False
    if isinstance(literal, (bool, str)):
        return True
    return isinstance(literal, int) and abs(literal) < _LARGEST_INTEGER
