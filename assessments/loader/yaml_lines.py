"""Safe YAML whose mappings and sequences remember their lines, for ``file:line`` problems."""

from __future__ import annotations

from collections.abc import Hashable, Iterator

import yaml

from assessments.spec import LineList, LineMap


# The base is libyaml's C loader when PyYAML was built with it (much faster), else the Python
# one; mypy cannot check a base chosen at run time, hence the ignore.
class LineLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """Safe YAML whose mappings and sequences remember their lines (see ``LineMap``)."""


def _construct_mapping(loader: yaml.SafeLoader, node: yaml.MappingNode) -> LineMap:
    loader.flatten_mapping(node)
    mapping = LineMap()
    mapping.line = node.start_mark.line + 1
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        line = key_node.start_mark.line + 1
        if not isinstance(key, Hashable):
            raise yaml.MarkedYAMLError(
                problem="a key must be plain text", problem_mark=key_node.start_mark
            )
        if key in mapping:
            mapping.duplicates.append((key, line))
        mapping[key] = loader.construct_object(value_node, deep=True)
        mapping.key_lines[key] = line
    return mapping


def _construct_sequence(loader: yaml.SafeLoader, node: yaml.SequenceNode) -> LineList:
    sequence = LineList(loader.construct_object(child, deep=True) for child in node.value)
    sequence.line = node.start_mark.line + 1
    sequence.lines = [child.start_mark.line + 1 for child in node.value]
    return sequence


LineLoader.add_constructor("tag:yaml.org,2002:map", _construct_mapping)
LineLoader.add_constructor("tag:yaml.org,2002:seq", _construct_sequence)


def strings(data: object, line: int | None) -> Iterator[tuple[str, int | None]]:
    """Every text value in parsed YAML, with the line of the key or list entry holding it."""
    if isinstance(data, str):
        yield data, line
    elif isinstance(data, LineMap):
        for key, value in data.items():
            yield from strings(value, data.key_lines.get(key, line))
    elif isinstance(data, LineList):
        for value, entry_line in zip(data, data.lines, strict=True):
            yield from strings(value, entry_line)
