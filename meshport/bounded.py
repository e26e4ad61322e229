"""Bounded loading of JSON and YAML from untrusted hands: request bodies, the publish page, files.

Why it exists: PyYAML's loaders expand aliases (a 548-byte body grew to 936 MB), Python's parsers
recurse (a body nested 1,000 deep is a RecursionError, a 500), YAML tags build objects no
descriptor needs (``!!binary``, ``!!set``, ``!!python/…``), and values Python can hold may still be
unstorable (NUL, lone surrogates), unreadable (a 5,000-digit integer) or crash later (a date that
overflows once converted to UTC). So every user-supplied JSON or YAML is read here, and each
refusal is an ``InputRejected`` whose errors name the path and, for YAML, the line.

YAML is read from libyaml's event stream (PyYAML's parser, resolver and scalar constructors)
rather than composed: the events are walked with an explicit stack, so depth is checked before a
level is built, an alias is refused the moment it appears, and nothing recurses. JSON goes
through orjson (no recursion in Python, strict: no NaN, no lone surrogates), then one iterative
walk checks depth and values.
"""
from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from typing import NoReturn

import orjson
import yaml
from django.conf import settings
from yaml.events import (
    AliasEvent,
    CollectionStartEvent,
    MappingStartEvent,
    ScalarEvent,
    StreamEndEvent,
)
from yaml.nodes import ScalarNode

_CORE = "tag:yaml.org,2002:"
_SCALAR_TAGS = {f"{_CORE}{name}" for name in ("null", "bool", "int", "float", "str", "timestamp")}
_MAP, _SEQ = f"{_CORE}map", f"{_CORE}seq"
_INT_MIN, _INT_MAX = -(2**63), 2**64 - 1  # what JSON readers and databases agree on
_WHAT = {f"{_CORE}int": "integer", f"{_CORE}float": "number", f"{_CORE}timestamp": "date"}

# libyaml's parser is several times faster and keeps the marks that give us lines.
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True)
class Limits:
    """How deep a document may nest, how many documents one YAML text may hold, and how many
    values its aliases may repeat (an alias bomb is refused when it passes that, not expanded)."""

    depth: int = 64
    documents: int = 100
    alias_nodes: int = 10_000

    @classmethod
    def from_settings(cls) -> Limits:
        return cls(
            depth=settings.MESHPORT_PARSE_MAX_DEPTH,
            documents=settings.MESHPORT_PARSE_MAX_DOCUMENTS,
            alias_nodes=settings.MESHPORT_PARSE_MAX_ALIAS_NODES,
        )


class InputRejected(ValueError):
    """The text is not data we accept; ``errors`` are ``{"path", "message"[, "line"]}``."""

    def __init__(self, errors: list[dict]):
        self.errors = errors
        super().__init__("; ".join(_describe(e) for e in errors))


@dataclass
class Loaded:
    """One YAML document and the line (1-based) of every key and list item in it."""

    data: object
    lines: dict[tuple, int] = field(default_factory=dict)


def format_path(parts: tuple) -> str:
    """``("outputPorts", 0, "name")`` → ``outputPorts[0].name``."""
    path = ""
    for part in parts:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path


# --- JSON -------------------------------------------------------------------------------------------


def load_json(text: bytes | str, *, limits: Limits | None = None) -> object:
    """Parse JSON and check every value, or raise ``InputRejected`` naming the place."""
    limits = limits or Limits.from_settings()
    try:
        value = orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        message = f"Nested deeper than {limits.depth} levels." if "depth" in exc.msg else f"Invalid JSON: {exc.msg}."
        raise InputRejected([{"path": "", "line": exc.lineno, "message": message}]) from exc
    errors = value_errors(value, limits=limits)
    if errors:
        raise InputRejected(errors)
    return value


def value_errors(value, *, limits: Limits | None = None, cap: int = 20) -> list[dict]:
    """What in parsed data we cannot accept (depth, strings, numbers), in document order."""
    limits = limits or Limits.from_settings()
    errors: list[dict] = []
    stack = [(value, (), 1)]
    while stack and len(errors) < cap:
        item, parts, depth = stack.pop()
        if not isinstance(item, dict | list):
            problem = scalar_problem(item)
            if problem:
                errors.append({"path": format_path(parts), "message": problem})
            continue
        if depth > limits.depth:
            errors.append({"path": format_path(parts), "message": f"Nested deeper than {limits.depth} levels."})
            continue
        children = list(item.items() if isinstance(item, dict) else enumerate(item))
        for key, child in reversed(children):
            problem = scalar_problem(key) if isinstance(key, str) else None
            if problem:
                errors.append({"path": format_path(parts + (key,)), "message": f"Key: {problem}"})
            stack.append((child, parts + (key,), depth + 1))
    return errors


def scalar_problem(value) -> str | None:
    """Why one scalar cannot be accepted, or None."""
    if isinstance(value, str):
        return _text_problem(value)
    if isinstance(value, bool):
        return None
    if isinstance(value, int) and not _INT_MIN <= value <= _INT_MAX:
        return "Integer out of range: at most 64 bits."
    if isinstance(value, float) and not math.isfinite(value):
        return "Not a finite number."
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        try:
            value.astimezone(dt.UTC)
        except OverflowError:
            return f"The date {value.isoformat()} is out of range once converted to UTC."
    return None


def _text_problem(text: str) -> str | None:
    if "\x00" in text:
        return "Contains a NUL character (\\u0000), which text may not hold."
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        code = ord(text[exc.start])
        return f"Contains a lone surrogate (\\u{code:04x}), which is not text."
    return None


# --- YAML -------------------------------------------------------------------------------------------


def load_yaml(text: str, *, limits: Limits | None = None) -> list[Loaded]:
    """Every document of a YAML stream, or ``InputRejected`` naming the first problem's path and line."""
    reader = _YAMLReader(text, limits or Limits.from_settings())
    try:
        return reader.documents()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        error = {"path": reader.where(), "message": f"Invalid YAML: {exc.problem or exc.context}"}
        if mark is not None:
            error["line"] = mark.line + 1
        raise InputRejected([error]) from exc
    except yaml.reader.ReaderError as exc:  # a character YAML refuses (a raw NUL, a control character)
        line = text.encode("utf-8", "surrogatepass")[: exc.position].count(b"\n") + 1  # libyaml counts bytes
        message = f"Invalid YAML: {exc.reason} (character #x{exc.character:04x})."
        raise InputRejected([{"path": "", "line": line, "message": message}]) from exc  # read ahead: no path
    except (yaml.YAMLError, UnicodeError) as exc:
        raise InputRejected([{"path": "", "message": f"Invalid YAML: {exc}"}]) from exc
    finally:
        reader.loader.dispose()


class _Frame:
    """An open mapping or sequence: its value, path, anchor, size so far and, for a mapping, the key awaiting a value."""

    __slots__ = ("value", "parts", "anchor", "nodes", "height", "key", "raw_key")

    def __init__(self, value, parts: tuple, anchor: str | None):
        self.value, self.parts, self.anchor = value, parts, anchor
        self.nodes, self.height = 1, 1
        self.key = self.raw_key = None


# A node once read: its value, how many nodes it holds (itself included) and how deep it nests.
_Node = tuple[object, int, int]


class _YAMLReader:
    def __init__(self, text: str, limits: Limits):
        self.loader = _Loader(text)
        self.limits = limits
        self.index = 0
        self.stack: list[_Frame] = []
        self.anchors: dict[str, _Node] = {}
        self.aliased = 0  # nodes that aliases repeat, over the whole text

    def where(self) -> str:
        """The path being read, for errors the parser raises: the value being read, else its collection."""
        frame = self.stack[-1] if self.stack else None
        if frame is not None and isinstance(frame.value, dict) and frame.raw_key is None:
            return self._path(frame.parts)
        return self._path(self._child_parts(frame))

    def documents(self) -> list[Loaded]:
        loader, found = self.loader, []
        loader.get_event()  # StreamStart
        while not loader.check_event(StreamEndEvent):
            start = loader.get_event()  # DocumentStart
            self.index = len(found)
            if self.index == self.limits.documents:
                self._refuse((), start, f"More than {self.limits.documents} documents in one text.")
            found.append(self._document())
            loader.get_event()  # DocumentEnd
        return found

    def _document(self) -> Loaded:
        lines: dict[tuple, int] = {}
        self.stack, self.anchors = [], {}  # anchors, like PyYAML's, hold within one document
        while True:
            event = self.loader.get_event()
            if isinstance(event, CollectionStartEvent | ScalarEvent | AliasEvent):
                node = self._node(event, lines)
            else:  # the end of a mapping or sequence
                frame = self.stack.pop()
                node = self._anchored(frame.anchor, (frame.value, frame.nodes, frame.height))
            if node is not None and not self.stack:
                return Loaded(node[0], lines)
            if node is not None:
                self._attach(node)

    def _node(self, event, lines: dict) -> _Node | None:
        """Read a node's first event: a complete node, or None for a key or an opened collection."""
        parent = self.stack[-1] if self.stack else None
        if parent is not None and isinstance(parent.value, dict) and parent.raw_key is None:
            self._key(parent, event, lines)
            return None
        parts = self._child_parts(parent)
        lines.setdefault(parts, event.start_mark.line + 1)
        if isinstance(event, AliasEvent):
            return self._alias(event, parts)
        if isinstance(event, ScalarEvent):
            return self._anchored(event.anchor, (self._scalar(event, parts), 1, 0))
        if len(self.stack) + 1 > self.limits.depth:
            self._refuse(parts, event, f"Nested deeper than {self.limits.depth} levels.")
        self._collection_tag(event, parts)
        container = {} if isinstance(event, MappingStartEvent) else []
        self.stack.append(_Frame(container, parts, event.anchor))
        return None

    def _anchored(self, anchor: str | None, node: _Node) -> _Node:
        if anchor is not None:
            self.anchors[anchor] = node
        return node

    def _alias(self, event: AliasEvent, parts: tuple) -> _Node:
        """The anchored node again (shared, as PyYAML does), counted against the text's alias budget."""
        node = self.anchors.get(event.anchor)
        if node is None:
            self._refuse(parts, event, f"Unknown alias *{event.anchor}: an alias repeats a value anchored before it.")
        if len(self.stack) + node[2] > self.limits.depth:
            self._refuse(parts, event, f"Nested deeper than {self.limits.depth} levels (through *{event.anchor}).")
        self.aliased += node[1]
        if self.aliased > self.limits.alias_nodes:
            self._refuse(parts, event, f"YAML aliases (*{event.anchor}) expand this text by more than "
                                       f"{self.limits.alias_nodes} values: write the values out instead.")
        return node

    def _key(self, frame: _Frame, event, lines: dict) -> None:
        if not isinstance(event, ScalarEvent):
            kind = "An alias" if isinstance(event, AliasEvent) else "A mapping or list"
            self._refuse(frame.parts, event, f"{kind} cannot be a key: keys are plain text.")
        parts = frame.parts + (event.value,)
        if self._tag(event) == f"{_CORE}merge":
            self._refuse(parts, event, "Merge keys (<<) are not accepted: write the keys out.")
        frame.key, frame.raw_key = self._scalar(event, parts), event.value
        lines[parts] = event.start_mark.line + 1

    def _attach(self, node: _Node) -> None:
        value, nodes, height = node
        frame = self.stack[-1]
        frame.nodes, frame.height = frame.nodes + nodes, max(frame.height, height + 1)
        if isinstance(frame.value, dict):
            frame.value[frame.key] = value
            frame.key = frame.raw_key = None
        else:
            frame.value.append(value)

    def _child_parts(self, parent: _Frame | None) -> tuple:
        if parent is None:
            return ()
        if isinstance(parent.value, dict):
            return parent.parts + (parent.raw_key,)
        return parent.parts + (len(parent.value),)

    def _scalar(self, event: ScalarEvent, parts: tuple):
        tag = self._tag(event)
        if tag not in _SCALAR_TAGS:
            self._refuse(parts, event, f"The tag {_short(tag)} is not accepted: only plain values, lists and mappings are.")
        node = ScalarNode(tag, event.value, event.start_mark, event.end_mark, event.style)
        try:
            value = self.loader.yaml_constructors[tag](self.loader, node)
        except (ValueError, OverflowError, yaml.YAMLError) as exc:
            self._refuse(parts, event, f"Not a valid {_WHAT.get(tag, 'value')}: {exc}")
        problem = scalar_problem(value)
        if problem:
            self._refuse(parts, event, problem)
        return value

    def _tag(self, event: ScalarEvent) -> str:
        if event.tag in (None, "!"):
            tag = self.loader.resolve(ScalarNode, event.value, event.implicit)
            return f"{_CORE}str" if tag == f"{_CORE}value" else tag  # a bare "=" is text, not a tag
        return event.tag

    def _collection_tag(self, event, parts: tuple) -> None:
        expected = _MAP if isinstance(event, MappingStartEvent) else _SEQ
        if event.tag not in (None, "!", expected):
            self._refuse(parts, event, f"The tag {_short(event.tag)} is not accepted: only plain values, lists and mappings are.")

    def _path(self, parts: tuple) -> str:
        # A second document on is named as the API shows a multi-document body: {"documents": [...]}.
        return format_path(("documents", self.index, *parts) if self.index else parts)

    def _refuse(self, parts: tuple, event, message: str) -> NoReturn:
        raise InputRejected([{"path": self._path(parts), "line": event.start_mark.line + 1, "message": message}])


def _short(tag: str) -> str:
    return "!!" + tag[len(_CORE):] if tag.startswith(_CORE) else tag


def _describe(error: dict) -> str:
    where = f"line {error['line']}: " if error.get("line") else ""
    return f"{where}{error['path'] or '(root)'}: {error['message']}"
