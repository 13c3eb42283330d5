"""Reading YAML files safely and finding where a value was written (part of the load stage).

Only plain data comes out: text, numbers, booleans, lists and mappings. Tags that construct objects, aliases
(which is how "billion laughs" bombs are built), duplicate keys and non-UTF-8 bytes are errors with a position.
Parsing and locating take the fast libyaml path when present, in linear time; the pure-Python parser, which gives
the exact message and position of a syntax error, runs only for small files that failed (a large one is reported
from libyaml's own position), so messages are the same on every machine.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from yaml.composer import Composer
from yaml.constructor import ConstructorError, SafeConstructor
from yaml.error import Mark, MarkedYAMLError
from yaml.events import AliasEvent
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from yaml.parser import Parser
from yaml.reader import Reader, ReaderError
from yaml.resolver import Resolver
from yaml.scanner import Scanner

MAX_FILE_BYTES = 1_000_000
"""Far above any real paper file; keeps a hostile file from costing memory or time."""
LOCATING_PARSER_MAX_CHARS = 64 * 1024
"""The largest text the pure-Python parser reads again to explain a syntax error: it takes about 2 s per MB (and
10 s or more on a slow machine), and a paper file is 1 to 3 KB. A larger file is reported from libyaml's error."""

Location = tuple[str | int, ...]
"""A path to a value inside a document: mapping keys and list indexes, e.g. ('links', 'paper') or ('heads', 1)."""


@dataclass(frozen=True)
class SourceError(Exception):
    """A file that cannot be read as YAML data. `line` and `column` are 1-based (1, 1 for the file as a whole)."""

    line: int
    column: int
    message: str


def read_yaml_text(path: Path) -> str:
    """The file's text, refusing what is not a small UTF-8 text file."""
    data = path.read_bytes()
    if len(data) > MAX_FILE_BYTES:
        raise SourceError(1, 1, f"the file is {len(data):,} bytes; a YAML file here is at most {MAX_FILE_BYTES:,}")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        column = error.start - (data.rfind(b"\n", 0, error.start) + 1) + 1
        byte = data[error.start]
        raise SourceError(line, column, f"byte 0x{byte:02x} is not valid UTF-8; save the file as UTF-8") from None
    if not text.strip():
        raise SourceError(1, 1, "the file is empty; it should hold a YAML mapping of keys and values")
    if all(_is_comment_or_blank(line) for line in text.splitlines()):
        raise SourceError(1, 1, "the file holds only comments; it should hold a YAML mapping of keys and values")
    return text


def parse_yaml(text: str) -> object:
    """The document as plain Python data; raises SourceError with the position a person must edit."""
    if _FastLoader is not None:
        try:
            return _load(_FastLoader, text)
        except SourceError as error:
            if len(text) > LOCATING_PARSER_MAX_CHARS:
                raise _alias_error(text) if error.message == _ALIAS_MESSAGE else error from None
            # a small file: the locating parser below gives the exact message and position
    return _load(_LocatingLoader, text)


def compose_yaml(text: str) -> Node:
    """The document's node tree with positions (libyaml's when PyYAML has it: linear time, the same positions as
    the pure-Python composer), for locating the problems of text that parse_yaml accepted. What parse_yaml refuses
    (aliases, tags, non-text and duplicate keys) is refused here too, with the same SourceError."""
    node = _load(_FastLoader or _LocatingLoader, text, as_nodes=True)
    if not isinstance(node, Node):
        raise SourceError(1, 1, "the file is empty")
    return node


def locate(root: Node, location: Location, *, at_key: bool = False) -> tuple[int, int]:
    """The 1-based (line, column) of the value at `location`, or of its key when `at_key` is set.

    When the location does not exist (a missing key), the position of the nearest enclosing value is given.
    """
    return NodeIndex(root).locate(location, at_key=at_key)


def source_text_at(root: Node, location: Location) -> str | None:
    """The scalar exactly as written in the file (e.g. '2410.10' before YAML read it as the number 2410.1)."""
    return NodeIndex(root).source_text_at(location)


class NodeIndex:
    """Finds values in one node tree by location. A mapping's keys are indexed the first time it is searched, so
    locating every problem of a file with thousands of keys takes linear time, not a scan of the keys each."""

    def __init__(self, root: Node) -> None:
        self.root = root
        self._children_by_mapping: dict[int, dict[str, tuple[Node, Node]]] = {}

    def locate(self, location: Location, *, at_key: bool = False) -> tuple[int, int]:
        """As `locate` above."""
        node, key_node = self.root, None
        for step in location:
            child = self._child(node, step)
            if child is None:
                break
            key_node, node = child
        mark = key_node.start_mark if (at_key and key_node is not None) else node.start_mark
        return mark.line + 1, mark.column + 1

    def source_text_at(self, location: Location) -> str | None:
        """As `source_text_at` above."""
        node = self.root
        for step in location:
            child = self._child(node, step)
            if child is None:
                return None
            node = child[1]
        return node.value if isinstance(node, ScalarNode) else None

    def _child(self, node: Node, step: str | int) -> tuple[Node | None, Node] | None:
        if isinstance(node, MappingNode):
            children = self._children_by_mapping.get(id(node))
            if children is None:
                children = self._children_by_mapping[id(node)] = {}
                for key, value in node.value:
                    if isinstance(key, ScalarNode):
                        children.setdefault(key.value, (key, value))
            return children.get(step) if isinstance(step, str) else None
        if isinstance(node, SequenceNode) and isinstance(step, int) and 0 <= step < len(node.value):
            return None, node.value[step]
        return None


def _is_comment_or_blank(line: str) -> bool:
    stripped = line.strip()
    return not stripped or stripped.startswith("#") or stripped in ("---", "...")


def _load(loader_class: type, text: str, as_nodes: bool = False) -> object:
    """The document as plain data, or (`as_nodes`) as its node tree once the data was found plain."""
    loader = None
    try:
        loader = loader_class(text)
        if not as_nodes:
            return loader.get_single_data()
        node = loader.get_single_node()
        if node is not None:
            loader.construct_plain(node, set())  # the refusals of get_single_data, on the same walk
        return node
    except MarkedYAMLError as error:
        raise _source_error(error, getattr(loader, "marks", []), text) from None
    except ReaderError as error:
        # libyaml counts the position in bytes, the pure-Python reader in characters: find the character again
        found = Reader.NON_PRINTABLE.search(text)
        position, character = (found.start(), ord(found.group())) if found else (error.position, error.character)
        line = text.count("\n", 0, position) + 1
        column = position - (text.rfind("\n", 0, position) + 1) + 1
        message = f"the control character U+{character:04X} is not allowed in YAML text; delete it"
        raise SourceError(line, column, message) from None
    except (yaml.YAMLError, ValueError) as error:  # libyaml's own errors; the locating parser explains them
        raise SourceError(1, 1, f"invalid YAML: {error}") from None
    except RecursionError:
        raise SourceError(1, 1, "the YAML is nested too deeply") from None
    finally:
        if loader is not None:
            loader.dispose()


def _alias_error(text: str) -> SourceError:
    """Where the first alias is written: libyaml gives an alias the node of its anchor, which is where the
    constructor notices it; the parser's events still say where the alias itself is."""
    if _FastLoader is None:
        return SourceError(1, 1, _ALIAS_MESSAGE)
    parser = _FastLoader(text)
    try:
        while parser.check_event():
            event = parser.get_event()
            mark = event.start_mark
            if isinstance(event, AliasEvent) and mark is not None:
                return SourceError(mark.line + 1, mark.column + 1, _ALIAS_MESSAGE)
    finally:
        parser.dispose()
    return SourceError(1, 1, _ALIAS_MESSAGE)


# Which mark names the line to edit: for a quote or bracket left open, the place where it opens.
_CONTEXT_MARK_WINS = ("while scanning a quoted scalar", "while parsing a flow", "while scanning a simple key")

_ESCAPE_HINT = "a backslash inside double quotes starts an escape; write \\\\ for a backslash, or use single quotes"

_HINTS = {
    "while scanning a quoted scalar": "a quote opened here is never closed; add the closing quote",
    "while parsing a flow sequence": "a '[' opened here is not closed properly; check the ']' and the commas",
    "while parsing a flow mapping": "a '{' opened here is not closed properly; check the '}' and the commas",
    "while scanning a simple key": "this line is neither 'key: value' nor a list item; add the ':' after the key",
    "exceeded maximum nesting depth": "lists and mappings are nested too deeply",
    "mapping values are not allowed": (  # libyaml says 'in this context' where the pure-Python parser says 'here'
        "YAML does not expect a 'key: value' here; check this line's indentation, "
        "or put a value that contains ': ' in double quotes"
    ),
    "found character '\\t' that cannot start any token": "a tab character; indent YAML with spaces only",
    "found unexpected end of stream": "the file ends in the middle of a value",
    "found unknown escape character": _ESCAPE_HINT,
    "expected escape sequence": _ESCAPE_HINT,
    "while parsing a block": "this line's indentation does not fit the lines above it; line up keys and list items",
    "expected a single document": "the file holds more than one YAML document ('---'); keep only one",
}


def _source_error(error: MarkedYAMLError, open_marks: list[Mark], text: str) -> SourceError:
    """`open_marks`: where the collections still open at the error begin (the pure-Python parser tracks them)."""
    context = error.context or ""
    problem = error.problem or ""
    use_context = error.context_mark is not None and context.startswith(_CONTEXT_MARK_WINS)
    mark: Mark | None = error.context_mark if use_context else (error.problem_mark or error.context_mark)
    line, column = (mark.line + 1, mark.column + 1) if mark is not None else (0, 0)
    message = getattr(error, "headcat_message", None)
    if message:
        return SourceError(line, column, message)
    if context.startswith("while parsing a flow node") and open_marks:
        # the file ended inside a '[' or '{': point at the bracket left open
        opened = open_marks[-1]
        bracket = text[opened.index] if opened.index < len(text) else "["
        closing = {"[": "]", "{": "}"}.get(bracket, "]")
        message = f"invalid YAML: a '{bracket}' opened here is never closed; add the '{closing}'"
        return SourceError(opened.line + 1, opened.column + 1, message)
    if problem.startswith("mapping values are not allowed") and mark is not None:
        key_line = _line_missing_colon(text, mark.line)
        if key_line is not None:
            lines = text.splitlines()
            indent = len(lines[key_line]) - len(lines[key_line].lstrip())
            return SourceError(key_line + 1, indent + 1, f"invalid YAML: {_HINTS['while scanning a simple key']}")
    hint = next((hint for key, hint in _HINTS.items() if context.startswith(key) or problem.startswith(key)), None)
    detail = hint or " ".join(part for part in (problem, context) if part)
    return SourceError(line, column, f"invalid YAML: {detail}")


def _line_missing_colon(text: str, error_line: int) -> int | None:
    """The 0-based line before `error_line` that reads as a key without its ':' (YAML joined it to the next line).

    `paper https://x` followed by `code: https://y` at the same indentation is one plain value to YAML, and the
    ':' after 'code' is where it notices; the line to edit is the one before.
    """
    lines = text.splitlines()
    if error_line >= len(lines):
        return None
    indent = len(lines[error_line]) - len(lines[error_line].lstrip())
    for number in range(error_line - 1, -1, -1):
        stripped = lines[number].strip()
        if not stripped or stripped.startswith("#"):
            continue
        same_indent = len(lines[number]) - len(lines[number].lstrip()) == indent
        has_colon = ": " in stripped or stripped.endswith(":")
        looks_like_key = not has_colon and not stripped.startswith(("-", "[", "{", "'", '"'))
        return number if same_indent and looks_like_key else None
    return None


_ALIAS_MESSAGE = "YAML aliases (*name) are not allowed; write the value out"


def _located_error(message: str, mark: Mark) -> ConstructorError:
    error = ConstructorError(None, None, message, mark)
    error.headcat_message = message  # type: ignore[attr-defined]
    return error


class _PlainResolver(Resolver):
    """YAML 1.1 implicit types minus timestamps and merge keys: dates stay text and are checked by the models."""


_PlainResolver.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if not tag.endswith((":timestamp", ":merge"))]
    for first, resolvers in Resolver.yaml_implicit_resolvers.items()
}


_STR, _SEQ, _MAP = "tag:yaml.org,2002:str", "tag:yaml.org,2002:seq", "tag:yaml.org,2002:map"
_SCALAR_CONSTRUCTORS = {tag: SafeConstructor.yaml_constructors[tag]
                        for tag in (f"tag:yaml.org,2002:{name}" for name in ("null", "bool", "int", "float"))}


class _PlainConstructor(SafeConstructor):
    """Builds only plain data (text, numbers, booleans, null, lists, mappings) in one walk of the node tree;
    refuses aliases, other tags, non-text keys and duplicate keys. PyYAML's general constructor, which can build
    any object, costs more than twice as much per value."""

    def get_single_data(self) -> object:
        node = self.get_single_node()  # type: ignore[attr-defined]  # from the parser half of the loader
        return None if node is None else self.construct_plain(node, set())

    def construct_plain(self, node: Node, seen: set[int]) -> object:
        if id(node) in seen:  # the composer gives an alias the very node of its anchor
            raise _located_error(_ALIAS_MESSAGE, node.start_mark)
        seen.add(id(node))
        tag = node.tag
        if tag == _STR and isinstance(node, ScalarNode):
            return node.value
        if tag in _SCALAR_CONSTRUCTORS and isinstance(node, ScalarNode):
            return _SCALAR_CONSTRUCTORS[tag](self, node)
        if tag == _SEQ and isinstance(node, SequenceNode):
            return [self.construct_plain(item, seen) for item in node.value]
        if tag == _MAP and isinstance(node, MappingNode):
            return self.construct_plain_mapping(node, seen)
        tag = tag.replace("tag:yaml.org,2002:", "!!")
        raise _located_error(f"the YAML tag '{tag}' is not allowed; write plain text, lists and mappings",
                             node.start_mark)

    def construct_plain_mapping(self, node: MappingNode, seen: set[int]) -> dict[str, object]:
        mapping: dict[str, object] = {}
        for key_node, value_node in node.value:
            if not (isinstance(key_node, ScalarNode) and key_node.tag == _STR):
                raise _located_error("a key must be plain text", key_node.start_mark)
            key = key_node.value
            if key in mapping:
                first = next(other for other, _ in node.value if other.value == key).start_mark.line + 1
                message = f"duplicate key '{key}' (first written on line {first}); keep only one"
                raise _located_error(message, key_node.start_mark)
            mapping[key] = self.construct_plain(value_node, seen)
        return mapping


class _NoAliasComposer(Composer):
    """Stops at the first alias, before any expansion can cost time or memory."""

    def compose_node(self, parent: Node | None, index: Any) -> Node | None:
        if self.check_event(AliasEvent):  # type: ignore[attr-defined]  # the parser half of the loader has it
            event = self.peek_event()  # type: ignore[attr-defined]
            raise _located_error(_ALIAS_MESSAGE, event.start_mark)
        return super().compose_node(parent, index)


class _LocatingLoader(Reader, Scanner, Parser, _NoAliasComposer, _PlainConstructor, _PlainResolver):
    def __init__(self, stream: str) -> None:
        Reader.__init__(self, stream)
        Scanner.__init__(self)
        Parser.__init__(self)
        _NoAliasComposer.__init__(self)
        _PlainConstructor.__init__(self)
        _PlainResolver.__init__(self)


_FastLoader: type | None
try:
    from yaml.cyaml import CParser  # type: ignore[attr-defined]  # the stubs leave it out

    class _FastLoader(CParser, _PlainConstructor, _PlainResolver):  # type: ignore[no-redef]
        def __init__(self, stream: str) -> None:
            CParser.__init__(self, stream)
            _PlainConstructor.__init__(self)
            _PlainResolver.__init__(self)

except ImportError:  # PyYAML built without libyaml: the pure-Python parser does everything
    _FastLoader = None
