"""Turn request bodies and descriptor files into documents, remembering where each came from.

A payload is an ODPS document alone, a bundle ``{"product": …, "contracts": […]}``, or
``{"documents": […]}`` (what ``meshport.parsers.YAMLParser`` makes of a multi-document YAML).
Files are YAML (one or more documents) or JSON; their documents keep the line of every key so
errors can say ``file:line: path: reason``.
"""
from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from catalog.descriptors.errors import DescriptorError

PRODUCT_KIND = "DataProduct"
CONTRACT_KIND = "DataContract"
FILE_SUFFIXES = (".yaml", ".yml", ".json")


@dataclass
class Document:
    """One ODPS or ODCS document, its label in error paths, and its origin."""

    data: dict
    label: str = ""
    file: str | None = None
    base_dir: Path | None = None
    lines: dict[tuple, int] = field(default_factory=dict)

    @property
    def kind(self) -> str | None:
        kind = self.data.get("kind")
        if kind in (PRODUCT_KIND, CONTRACT_KIND):
            return kind
        # Without a usable kind, guess from the shape so the schema can name what is missing.
        if "outputPorts" in self.data or "inputPorts" in self.data:
            return PRODUCT_KIND
        if "schema" in self.data or "servers" in self.data:
            return CONTRACT_KIND
        return None

    def line_of(self, parts: tuple) -> int | None:
        """The line of the deepest known key on ``parts`` (a missing key points at its parent)."""
        for end in range(len(parts), -1, -1):
            line = self.lines.get(tuple(parts[:end]))
            if line is not None:
                return line
        return None

    def error(self, parts: tuple, message: str) -> dict:
        error = {"path": join_path(self.label, parts), "message": message}
        if self.file:
            error["file"] = self.file
            line = self.line_of(parts)
            if line is not None:
                error["line"] = line
        return error


def join_path(label: str, parts: tuple) -> str:
    """``("outputPorts", 0, "name")`` under ``product`` → ``product.outputPorts[0].name``."""
    path = label
    for part in parts:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path


def jsonable(value):
    """What YAML loads, made JSON-safe: dates become ISO strings and keys become strings."""
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    return value


def documents_from_payload(data) -> list[dict]:
    """The ODPS and ODCS documents in an API payload, in order (product first in a bundle)."""
    if isinstance(data, dict) and "documents" in data and "kind" not in data:
        docs, where = data["documents"], "documents"
    elif isinstance(data, dict) and "product" in data and "kind" not in data:
        docs, where = [data["product"], *_as_list(data.get("contracts"))], "contracts"
    else:
        docs, where = [data], ""
    if not isinstance(docs, list) or not all(isinstance(d, dict) for d in docs):
        raise DescriptorError(
            [{"path": where, "message": "Expected an ODPS document, a bundle {product, contracts} "
              "or {documents: [...]}, each document an object."}]
        )
    return [jsonable(d) for d in docs]


def _as_list(value) -> list:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def label_documents(documents: list[Document]) -> list[Document]:
    """Name each document as error paths show it: ``product``, ``contracts[1]``, ``documents[2]``."""
    products = [d for d in documents if d.kind == PRODUCT_KIND]
    contracts = [d for d in documents if d.kind == CONTRACT_KIND]
    for i, doc in enumerate(products):
        doc.label = "product" if len(products) == 1 else f"products[{i}]"
    for i, doc in enumerate(contracts):
        doc.label = f"contracts[{i}]"
    for i, doc in enumerate(documents):
        if doc.kind is None:
            doc.label = f"documents[{i}]"
    return documents


# --- files -------------------------------------------------------------------------------------


def descriptor_paths(paths: list[Path]) -> list[Path]:
    """The descriptor files named, with folders expanded to their YAML and JSON files."""
    found: list[Path] = []
    for path in map(Path, paths):
        if path.is_dir():
            found += sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in FILE_SUFFIXES)
        else:
            found.append(path)
    return found


def documents_from_files(paths: list[Path]) -> list[Document]:
    """Every document of every file, labelled per file; all read errors are raised together."""
    documents: list[Document] = []
    errors: list[dict] = []
    files = descriptor_paths(paths)
    if not files:
        errors.append({"path": "", "message": "No descriptor files (.yaml, .yml, .json) found."})
    for path in files:
        try:
            documents += label_documents(_read_file(path))
        except DescriptorError as exc:
            errors += exc.errors
    if errors:
        raise DescriptorError(errors, "Some descriptor files cannot be read.")
    return documents


def _read_file(path: Path) -> list[Document]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise DescriptorError([{"path": "", "file": str(path), "message": f"Cannot read: {exc}"}]) from exc
    loaded = _load_json(path, text) if path.suffix.lower() == ".json" else _load_yaml(path, text)
    documents = []
    for i, (data, lines) in enumerate(loaded):
        if not isinstance(data, dict):
            error = {"path": f"documents[{i}]", "file": str(path), "message": "Expected a mapping."}
            raise DescriptorError([{**error, "line": lines.get((), 1)}])
        documents.append(
            Document(data=jsonable(data), file=str(path), base_dir=path.resolve().parent, lines=lines)
        )
    return documents


def _load_yaml(path: Path, text: str) -> list[tuple[object, dict]]:
    loader = yaml.SafeLoader(text)
    loaded = []
    try:
        while loader.check_node():
            node = loader.get_node()
            if node is not None:
                loaded.append((loader.construct_document(node), node_lines(node)))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        error = {"path": "", "file": str(path), "message": f"Invalid YAML: {getattr(exc, 'problem', exc)}"}
        if mark is not None:
            error["line"] = mark.line + 1
        raise DescriptorError([error]) from exc
    finally:
        loader.dispose()
    return loaded


def _load_json(path: Path, text: str) -> list[tuple[object, dict]]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        error = {"path": "", "file": str(path), "line": exc.lineno, "message": f"Invalid JSON: {exc.msg}"}
        raise DescriptorError([error]) from exc
    items = data if isinstance(data, list) else [data]
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        root = None  # JSON that YAML 1.1 cannot read: errors go without line numbers
    nodes = root.value if isinstance(data, list) and isinstance(root, yaml.SequenceNode) else [root]
    nodes = nodes if len(nodes) == len(items) else [None] * len(items)
    return [(item, node_lines(node) if node is not None else {}) for item, node in zip(items, nodes, strict=True)]


def node_lines(node, prefix: tuple = ()) -> dict[tuple, int]:
    """Line (1-based) of every key and list item under a composed YAML node."""
    lines = {prefix: node.start_mark.line + 1}
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = prefix + (str(key_node.value),)
            lines.update(node_lines(value_node, key))
            lines[key] = key_node.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            lines.update(node_lines(item, prefix + (i,)))
    return lines
