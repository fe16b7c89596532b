"""Load stage: read one YAML file safely, and find the line and column of any node.

Two ways in. :func:`load_yaml` builds MarkedMap / MarkedList values that carry their
marks (for small files such as exam specs). The bank, which must load fast, uses
:func:`parse_plain` (PyYAML's C loader plus a duplicate-key check) for plain values and a
:class:`NodeLocator` that composes the file again only when a problem must be located.
Either way every message can say ``file:line:col``.

Only the YAML 1.1 core tags are constructed (the safe set): ``!!python/...`` and any
other tag is refused, never run. Alias expansion is bounded before anything is built,
so a "billion laughs" file is refused at once and in little memory.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import yaml
from yaml.constructor import SafeConstructor

from questionbank.errors import Location, Problem

try:
    _Loader: type[Any] = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - PyYAML built without libyaml
    _Loader = yaml.SafeLoader

# Aliases may repeat a few shared blocks (a common set of choices, say), but may not
# multiply the document: at most this many nodes beyond those written in the file.
MAX_ALIAS_EXPANSION = 100_000
MAX_DEPTH = 100

Mark = tuple[int, int]  # 1-based (line, column)


class MarkedMap(dict[Any, Any]):
    """A dict that remembers where each key and its value were written."""

    __slots__ = ("key_marks", "mark", "value_marks")

    def __init__(self, mark: Mark) -> None:
        super().__init__()
        self.mark = mark
        self.key_marks: dict[Any, Mark] = {}
        self.value_marks: dict[Any, Mark] = {}


class MarkedList(list[Any]):
    """A list that remembers where each item was written."""

    __slots__ = ("item_marks", "mark")

    def __init__(self, mark: Mark) -> None:
        super().__init__()
        self.mark = mark
        self.item_marks: list[Mark] = []


class _SafeScalars(SafeConstructor):
    """Borrow PyYAML's safe scalar constructors (int, float, bool, null, timestamp)."""


_SCALAR_TAGS: dict[str, Callable[[Any, yaml.ScalarNode], Any]] = {
    "tag:yaml.org,2002:null": SafeConstructor.construct_yaml_null,
    "tag:yaml.org,2002:bool": SafeConstructor.construct_yaml_bool,
    "tag:yaml.org,2002:int": SafeConstructor.construct_yaml_int,
    "tag:yaml.org,2002:float": SafeConstructor.construct_yaml_float,
    "tag:yaml.org,2002:timestamp": SafeConstructor.construct_yaml_timestamp,
}
_STR_TAG = "tag:yaml.org,2002:str"
_MAP_TAG = "tag:yaml.org,2002:map"
_SEQ_TAG = "tag:yaml.org,2002:seq"
_MERGE_TAG = "tag:yaml.org,2002:merge"


def _mark(node: yaml.Node) -> Mark:
    return (node.start_mark.line + 1, node.start_mark.column + 1)


class _BadNode(Exception):
    def __init__(self, node: yaml.Node, message: str) -> None:
        super().__init__(message)
        self.node = node
        self.message = message


def _decode(raw: bytes, name: str) -> tuple[str | None, Problem | None]:
    try:
        return raw.decode("utf-8-sig"), None
    except UnicodeDecodeError as exc:
        start = exc.start
        line = raw.count(b"\n", 0, start) + 1
        column = start - (raw.rfind(b"\n", 0, start) + 1) + 1
        message = (
            f"file is not valid UTF-8: byte 0x{raw[start]:02x} cannot be decoded "
            "(expected UTF-8 text; re-save the file as UTF-8)"
        )
        return None, Problem(Location(name, line, column), message)


def _expanded_size(root: yaml.Node) -> int:
    """Count the nodes a full expansion would build, without building them."""
    sizes: dict[int, int] = {}
    in_progress: set[int] = set()

    def size(node: yaml.Node) -> int:
        key = id(node)
        if key in sizes:
            return sizes[key]
        if key in in_progress:
            raise _BadNode(node, "recursive alias: a node contains itself (expected a tree)")
        in_progress.add(key)
        total = 1
        if isinstance(node, yaml.MappingNode):
            for k, v in node.value:
                total += size(k) + size(v)
        elif isinstance(node, yaml.SequenceNode):
            for item in node.value:
                total += size(item)
        in_progress.discard(key)
        sizes[key] = total
        return total

    expanded = size(root)
    unique = len(sizes)
    if expanded - unique > MAX_ALIAS_EXPANSION:
        raise _BadNode(
            root,
            f"aliases would expand this document to {expanded:,} nodes "
            f"(at most {MAX_ALIAS_EXPANSION:,} beyond the {unique:,} written are allowed); "
            "refusing a possible alias bomb",
        )
    return expanded


class _Builder:
    """Turn a composed node graph into MarkedMap / MarkedList / scalars."""

    def __init__(self) -> None:
        self._scalars = _SafeScalars()

    def build(self, node: yaml.Node, depth: int = 0) -> Any:
        if depth > MAX_DEPTH:
            raise _BadNode(
                node, f"nesting deeper than {MAX_DEPTH} levels (expected a shallow document)"
            )
        tag = node.tag
        if isinstance(node, yaml.ScalarNode):
            if tag == _STR_TAG:
                return node.value
            construct = _SCALAR_TAGS.get(tag)
            if construct is None:
                raise _BadNode(node, _unsupported(tag))
            return construct(self._scalars, node)
        if isinstance(node, yaml.SequenceNode):
            if tag != _SEQ_TAG:
                raise _BadNode(node, _unsupported(tag))
            seq = MarkedList(_mark(node))
            for item in node.value:
                seq.append(self.build(item, depth + 1))
                seq.item_marks.append(_mark(item))
            return seq
        if isinstance(node, yaml.MappingNode):
            if tag != _MAP_TAG:
                raise _BadNode(node, _unsupported(tag))
            return self._mapping(node, depth)
        raise _BadNode(node, _unsupported(tag))  # pragma: no cover

    def _mapping(self, node: yaml.MappingNode, depth: int) -> MarkedMap:
        result = MarkedMap(_mark(node))
        merged: list[yaml.Node] = []
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE_TAG:
                merged.append(value_node)
                continue
            key = self.build(key_node, depth + 1)
            if isinstance(key, (list, dict)):
                raise _BadNode(
                    key_node, "a mapping key must be a plain value, not a list or mapping"
                )
            if key in result:
                first = result.key_marks[key]
                raise _BadNode(
                    key_node,
                    f"duplicate key '{key}' (first written at line {first[0]}); "
                    "each key may appear once in a mapping",
                )
            result[key] = self.build(value_node, depth + 1)
            result.key_marks[key] = _mark(key_node)
            result.value_marks[key] = _mark(value_node)
        for source in merged:
            # `<<: *defaults` fills in keys the mapping does not set itself.
            sources = source.value if isinstance(source, yaml.SequenceNode) else [source]
            for src in sources:
                built = self.build(src, depth + 1)
                if not isinstance(built, MarkedMap):
                    raise _BadNode(src, "a merge key '<<' needs a mapping or a list of mappings")
                for key, value in built.items():
                    if key not in result:
                        result[key] = value
                        result.key_marks[key] = built.key_marks[key]
                        result.value_marks[key] = built.value_marks[key]
        return result


def _unsupported(tag: str) -> str:
    short = tag.replace("tag:yaml.org,2002:", "!!")
    return (
        f"unsupported YAML tag '{short}': bank files may use only plain maps, lists, "
        "strings, numbers, booleans and null (tags that build Python objects are refused)"
    )


def read_text(path: Path, name: str) -> tuple[str | None, list[Problem]]:
    """A file's text, or a problem saying why it cannot be read as UTF-8."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        return None, [Problem(Location(name), f"cannot read file: {exc.strerror}")]
    text, problem = _decode(raw, name)
    return text, [problem] if problem else []


def load_yaml(path: Path, display: str | None = None) -> tuple[Any, list[Problem]]:
    """Read one YAML file. Returns (data, problems); data is None when problems is not empty."""
    name = display or str(path)
    text, problems = read_text(path, name)
    if text is None:
        return None, problems
    return parse_yaml_text(text, name)


class _PlainLoader(_Loader):  # type: ignore[misc]
    """The C safe loader, refusing duplicate keys instead of keeping the last one."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        self.flatten_mapping(node)
        mapping: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = self.construct_object(key_node, deep=deep)
            if isinstance(key, (list, dict)):
                raise _BadNode(
                    key_node, "a mapping key must be a plain value, not a list or mapping"
                )
            if key in mapping:
                first = next(k for k, _ in node.value if k.value == key_node.value)
                raise _BadNode(
                    key_node,
                    f"duplicate key '{key}' (first written at line {first.start_mark.line + 1}); "
                    "each key may appear once in a mapping",
                )
            mapping[key] = self.construct_object(value_node, deep=deep)
        return mapping


_UNKNOWN_TAG = re.compile(r"could not determine a constructor for the tag '([^']*)'")


def parse_plain(text: str, name: str) -> tuple[Any, list[Problem]]:
    """Parse YAML text into plain dicts and lists, as fast as PyYAML's C loader allows."""
    try:
        if "&" in text:
            # Anchors: size up the aliases before anything is built from them.
            probe = _Loader(text)
            try:
                root = probe.get_single_node()
            finally:
                probe.dispose()
            if root is not None:
                _expanded_size(root)
        loader = _PlainLoader(text)
        try:
            return loader.get_single_data(), []
        finally:
            loader.dispose()
    except _BadNode as exc:
        line, column = _mark(exc.node)
        return None, [Problem(Location(name, line, column), exc.message)]
    except yaml.constructor.ConstructorError as exc:
        mark = exc.problem_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (0, 0)
        unknown = _UNKNOWN_TAG.search(str(exc.problem))
        message = _unsupported(unknown.group(1)) if unknown else f"YAML error: {exc.problem}"
        return None, [Problem(Location(name, line, column), message)]
    except RecursionError:
        return None, [Problem(Location(name), "nesting too deep (expected a shallow document)")]
    except yaml.YAMLError:
        return parse_yaml_text(text, name)  # the careful path words syntax errors


class NodeLocator:
    """Finds the mark of a path in a file, composing the file only when first asked."""

    def __init__(self, text: str) -> None:
        self._text = text
        self._root: yaml.Node | None = None
        self._composed = False

    @property
    def root(self) -> yaml.Node | None:
        if not self._composed:
            loader = _Loader(self._text)
            try:
                self._root = loader.get_single_node()
            finally:
                loader.dispose()
            self._composed = True
        return self._root

    def find(self, path: Sequence[str | int], *, key: bool = False) -> tuple[Mark | None, int]:
        """(mark of the deepest node found along ``path``, how many components matched)."""
        node = self.root
        if node is None:
            return None, 0
        best: Mark = _mark(node)
        matched = 0
        last = len(path) - 1
        for i, part in enumerate(path):
            if isinstance(node, yaml.MappingNode):
                wanted = str(part)
                pair = next((kv for kv in node.value if kv[0].value == wanted), None)
                if pair is None:
                    continue
                best = _mark(pair[0]) if (key and i == last) else _mark(pair[1])
                node = pair[1]
            elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
                if not 0 <= part < len(node.value):
                    continue
                node = node.value[part]
                best = _mark(node)
            else:
                continue
            matched += 1
        return best, matched


def parse_yaml_text(text: str, name: str) -> tuple[Any, list[Problem]]:
    """Parse YAML text already decoded; see :func:`load_yaml`."""
    loader = _Loader(text)
    try:
        root = loader.get_single_node()
        if root is None:
            return None, []
        if "&" in text:
            _expanded_size(root)
        return _Builder().build(root), []
    except _BadNode as exc:
        line, column = _mark(exc.node)
        return None, [Problem(Location(name, line, column), exc.message)]
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        if exc.context_mark is not None and str(exc.problem).startswith(_STARTED_EARLIER):
            mark = exc.context_mark  # where the unfinished key or string began
        line, column = (mark.line + 1, mark.column + 1) if mark else (0, 0)
        lines = text.splitlines()
        source = lines[line - 1] if 0 < line <= len(lines) else ""
        message = explain_syntax_error(exc.context, exc.problem, source, column)
        return None, [Problem(Location(name, line, column), f"YAML syntax error: {message}")]
    except yaml.YAMLError as exc:
        return None, [Problem(Location(name), f"YAML error: {exc}")]
    finally:
        loader.dispose()


_STARTED_EARLIER = ("could not find expected ':'", "found unexpected end of stream")


def explain_syntax_error(context: str | None, problem: str | None, source: str, column: int) -> str:
    """PyYAML's phrase in plain words, with how to fix it (``source`` is the line at
    fault, ``column`` 1-based). Unknown phrases are passed on as PyYAML words them."""
    said = problem or ""
    before = source[: max(column - 1, 0)]
    if "tab" in said or "'\\t'" in said:
        return (
            "a tab character; YAML indents with spaces only "
            "(replace the tab with spaces, e.g. two per level)"
        )
    if said.startswith("mapping values are not allowed"):
        if ": " in before or before.rstrip().endswith(":"):
            return (
                "a ': ' inside a value that is not quoted, so YAML reads it as a new key "
                '(quote the whole value: prompt: "What is x: y?")'
            )
        return (
            "this line is indented more than the keys above it "
            "(line it up with the other keys of the same question)"
        )
    if said.startswith("could not find expected ':'"):
        return (
            "a line with no 'key: value' where a key was expected; text that continues "
            "the value above must be indented under it, or the value quoted"
        )
    if said.startswith("did not find expected key") and source.lstrip().startswith("-"):
        return "this list item does not line up with the items above it (align every '- ')"
    if said.startswith("did not find expected key"):
        return (
            "this line does not line up with the keys above it "
            "(indent every key of a mapping by the same number of spaces)"
        )
    if said.startswith("did not find expected '-' indicator"):
        return "this list item does not line up with the items above it (align every '- ')"
    if said.startswith("did not find expected ',' or ']'"):
        return (
            "a [ list ] that is not closed (expected ',' or ']'; quote an item that "
            "contains a comma, colon or bracket)"
        )
    if said.startswith("did not find expected ',' or '}'"):
        return (
            "a { mapping } that is not closed (expected ',' or '}'; quote a value that "
            "contains a comma, colon or brace)"
        )
    if said.startswith("found unexpected end of stream") and "quoted" in (context or ""):
        return "a quoted string that is never closed (add the closing quote)"
    if said.startswith("found unknown escape character"):
        return (
            f"{said} in a double-quoted string, where a backslash starts an escape "
            "(write LaTeX in single quotes, '\\frac{a}{b}', or double each backslash)"
        )
    if said.startswith("found undefined alias"):
        return "an alias (*name) with no anchor (&name) above it (define the anchor first)"
    return " ".join(p for p in (context, problem) if p)


_INDEX = re.compile(r"^\d+$")


def locate(root: Any, path: Sequence[str | int], *, key: bool = False) -> Mark | None:
    """The mark of the node at ``path`` below ``root``, or of its nearest ancestor.

    Components that are not keys or indexes of the data (pydantic adds union tags such
    as ``'mcq'`` to its ``loc``) are skipped. With ``key=True`` a mapping entry is marked
    at its key rather than its value (used for unknown and duplicate keys).
    """
    node = root
    best: Mark | None = getattr(root, "mark", None)
    last = len(path) - 1
    for i, part in enumerate(path):
        if isinstance(node, MarkedMap) and part in node:
            best = node.key_marks[part] if (key and i == last) else node.value_marks[part]
            node = node[part]
        elif isinstance(node, MarkedList) and isinstance(part, int) and 0 <= part < len(node):
            best = node.item_marks[part]
            node = node[part]
        elif isinstance(node, MarkedList) and isinstance(part, str) and _INDEX.match(part):
            index = int(part)
            if index < len(node):
                best = node.item_marks[index]
                node = node[index]
    return best
