"""Safe YAML loading that remembers the line of every key and list item."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Any

from .errors import ContentError, Problem
from .intake import read_content_text
from .limits import MAX_YAML_ALIASES, MAX_YAML_DEPTH, MAX_YAML_VALUES
from .yamlwords import explain


class YamlMap(dict):
    """A mapping that knows the line it starts on and the line of each key."""

    line: int = 0
    key_lines: dict[str, int]

    def line_of(self, key: str) -> int:
        """Return the line of `key`, or of the mapping itself when the key is absent."""
        return self.key_lines.get(key, self.line)


class YamlList(list):
    """A list that knows the line it starts on and the line of each item."""

    line: int = 0
    item_lines: list[int]

    def line_of(self, index: int) -> int:
        """Return the line of item `index`."""
        return self.item_lines[index] if index < len(self.item_lines) else self.line


# libyaml parses the same YAML many times faster than PyYAML's pure-Python parser, with the
# same events, nodes and marks. Its error messages are worded differently, so a file it finds
# anything wrong with (or the shape limits refuse) is parsed again the pure-Python way, and
# that parse gives the messages: libyaml only ever speeds up a file that is fine.
def _libyaml_agrees(text: str) -> bool:
    """Return whether libyaml is known to accept `text` only when PyYAML does: it also
    accepts tabs where PyYAML refuses them, '?' inside [...] or {...}, a comment touching a
    block scalar's | or >, and a byte-order mark inside the text."""
    return "\t" not in text and "\ufeff" not in text \
        and not ("?" in text and ("[" in text or "{" in text)) \
        and not _BLOCK_HEADER_COMMENT.search(text)


_BLOCK_HEADER_COMMENT = re.compile(r"[|>][-+0-9]*#")


@cache
def _loaders() -> tuple[type, type | None]:
    """Return the loader that builds YamlMap and YamlList and rejects duplicate keys, and the
    same on libyaml's parser (None without libyaml). Made on first use: PyYAML takes 0.02 s
    to load, and the process that lays a booklet out reads no YAML."""
    import yaml

    class LineLoader(yaml.SafeLoader):
        """SafeLoader that builds YamlMap and YamlList and rejects duplicate keys."""

    fast = getattr(yaml, "__with_libyaml__", False)

    class FastLineLoader(yaml.CSafeLoader if fast else yaml.SafeLoader):
        """LineLoader's constructors on libyaml's parser."""

    for loader in (LineLoader, FastLineLoader):
        loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_map)
        loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG,
                               _construct_list)
        loader.add_constructor("tag:yaml.org,2002:timestamp", _construct_date)
    return LineLoader, FastLineLoader if fast else None


def _construct_map(loader, node):
    import yaml

    data = YamlMap()
    data.line = node.start_mark.line + 1
    data.key_lines = {}
    yield data
    loader.flatten_mapping(node)
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if not isinstance(key, str | int | float | bool):
            raise yaml.constructor.ConstructorError(
                None, None, "a key must be plain text", key_node.start_mark)
        key = str(key)
        if key in data:
            raise yaml.constructor.ConstructorError(
                None, None,
                f"'{key}' is given twice (first on line {data.key_lines[key]}); keep one",
                key_node.start_mark)
        data[key] = loader.construct_object(value_node, deep=True)
        data.key_lines[key] = key_node.start_mark.line + 1


def _construct_list(loader, node):
    data = YamlList()
    data.line = node.start_mark.line + 1
    data.item_lines = [item.start_mark.line + 1 for item in node.value]
    yield data
    data.extend(loader.construct_object(item, deep=True) for item in node.value)


def _construct_date(loader, node):
    """A date YAML recognises but the calendar lacks (2025-06-31) is an error at its line."""
    import yaml

    try:
        return yaml.SafeLoader.construct_yaml_timestamp(loader, node)
    except ValueError as error:
        raise yaml.constructor.ConstructorError(
            None, None, f"'{node.value}' is not a real date ({error})", node.start_mark
        ) from None


def _check_shape(text: str, path: Path, first_line: int, loader: type | None = None) -> None:
    """Refuse nesting, aliases or an expanded size past the limits, from the parser's events,
    before anything is built: twenty aliases, each doubling a long list, are a bomb too."""
    import yaml

    depth = aliases = 0
    sizes: dict[str, int] = {}  # what each anchor expands to, in values
    open_collections: list[tuple[str | None, int]] = []  # anchor, values so far
    total = 0

    def problem(event: yaml.Event, message: str) -> ContentError:
        return ContentError([Problem(path, first_line + event.start_mark.line,
                                     f"YAML: {message}")])

    for event in yaml.parse(text, Loader=loader or yaml.SafeLoader):
        weight = 0
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_YAML_DEPTH:
                raise problem(event, f"lists and maps are nested more than {MAX_YAML_DEPTH} "
                                     "deep; flatten them")
            open_collections.append((event.anchor, 1))
            continue
        if isinstance(event, yaml.CollectionEndEvent):
            depth -= 1
            anchor, weight = open_collections.pop()
            if anchor:
                sizes[anchor] = weight
        elif isinstance(event, yaml.AliasEvent):
            aliases += 1
            if aliases > MAX_YAML_ALIASES:
                raise problem(event, f"more than {MAX_YAML_ALIASES} aliases (*name); write the "
                                     "values out instead")
            weight = sizes.get(event.anchor, 1)
        elif isinstance(event, yaml.ScalarEvent):
            weight = 1
            if event.anchor:
                sizes[event.anchor] = 1
        if open_collections:
            anchor, size = open_collections[-1]
            open_collections[-1] = (anchor, size + weight)
        else:
            total += weight
        if total + sum(size for _, size in open_collections) > MAX_YAML_VALUES:
            raise problem(event, f"the aliases (*name) expand to more than {MAX_YAML_VALUES:,} "
                                 "values; write the values out instead")


def parse_yaml(text: str, path: Path, first_line: int = 1) -> Any:
    """Parse YAML text found at `first_line` of `path`; syntax errors become ContentError."""
    import yaml

    line_loader, fast_loader = _loaders()
    if fast_loader and _libyaml_agrees(text):
        try:
            _check_shape(text, path, first_line, yaml.CSafeLoader)
            data = yaml.load(text, Loader=fast_loader)
        except (yaml.YAMLError, ContentError, UnicodeError):
            pass  # parsed again below, for the pure-Python parser's message and line
        else:
            if first_line != 1:
                _shift_lines(data, first_line - 1)
            return data
    try:
        _check_shape(text, path, first_line)
        data = yaml.load(text, Loader=line_loader)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = first_line + mark.line if mark else first_line
        reason = error.problem or error.context or "is not valid YAML"
        if isinstance(error, yaml.constructor.ConstructorError):
            if "tag" in reason:
                reason = "YAML tags (!!...) are not allowed in content; write plain values"
        else:
            offset, reason = explain(error, text)
            line = first_line + offset
        raise ContentError([Problem(path, line, f"YAML: {reason}")]) from None
    except yaml.YAMLError as error:
        raise ContentError([Problem(path, first_line, f"YAML: {error}")]) from None
    if first_line != 1:
        _shift_lines(data, first_line - 1)
    return data


def _shift_lines(data: Any, offset: int) -> None:
    if isinstance(data, YamlMap):
        data.line += offset
        data.key_lines = {key: line + offset for key, line in data.key_lines.items()}
        values = data.values()
    elif isinstance(data, YamlList):
        data.line += offset
        data.item_lines = [line + offset for line in data.item_lines]
        values = data
    else:
        return
    for value in values:
        _shift_lines(value, offset)


def read_yaml(path: Path, root: Path | None = None) -> Any:
    """Read and parse a YAML file through the front door (see read_text)."""
    return parse_yaml(read_text(path, root), path)


def read_text(path: Path, root: Path | None = None) -> str:
    """Read a UTF-8 text file inside `root` (default: its own folder) through the front door."""
    return read_content_text(path, Path(path).parent if root is None else root)
