"""Turn request bodies and descriptor files into documents, remembering where each came from.

A payload is an ODPS document alone, a bundle ``{"product": …, "contracts": […]}``, or
``{"documents": […]}`` (what ``meshport.parsers.YAMLParser`` makes of a multi-document YAML).
Files are YAML (one or more documents) or JSON; their documents keep the line of every key so
errors can say ``file:line: path: reason``. Text is read by ``meshport.bounded``, like request
bodies: no alias bombs, no recursion, depth, tags and values checked, each refusal with its line.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from meshport.bounded import InputRejected, load_json, load_yaml
from standards.errors import DescriptorError

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


def documents_from_text(text: str, *, name: str) -> list[Document]:
    """The labelled documents of one descriptor typed or uploaded as text, with their lines.

    JSON when ``name`` ends in ``.json``, or (for a name without a suffix) when the text opens
    with ``{`` or ``[``; YAML otherwise. Errors carry ``name`` as their file.
    """
    suffix = Path(name).suffix.lower()
    as_json = suffix == ".json" or (suffix not in FILE_SUFFIXES and text.lstrip()[:1] in ("{", "["))
    return label_documents(_parse(text, name=name, as_json=as_json, base_dir=None))


def _read_file(path: Path) -> list[Document]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise DescriptorError([{"path": "", "file": str(path), "message": f"Cannot read: {exc}"}]) from exc
    as_json = path.suffix.lower() == ".json"
    return _parse(text, name=str(path), as_json=as_json, base_dir=path.resolve().parent)


def _parse(text: str, *, name: str, as_json: bool, base_dir: Path | None) -> list[Document]:
    loaded = _load_json(name, text) if as_json else _load_yaml(name, text)
    documents = []
    for i, (data, lines) in enumerate(loaded):
        if not isinstance(data, dict):
            error = {"path": f"documents[{i}]", "file": name, "message": "Expected a mapping."}
            raise DescriptorError([{**error, "line": lines.get((), 1)}])
        documents.append(Document(data=jsonable(data), file=name, base_dir=base_dir, lines=lines))
    return documents


def _load_yaml(name: str, text: str) -> list[tuple[object, dict]]:
    try:
        return [(doc.data, doc.lines) for doc in load_yaml(text)]
    except InputRejected as exc:
        raise DescriptorError([{**error, "file": name} for error in exc.errors]) from exc


def _load_json(name: str, text: str) -> list[tuple[object, dict]]:
    try:
        data = load_json(text)
    except InputRejected as exc:
        raise DescriptorError([{**error, "file": name} for error in exc.errors]) from exc
    items = data if isinstance(data, list) else [data]
    lines = _json_lines(text)
    if isinstance(data, list):
        return [(item, _under(lines, i)) for i, item in enumerate(items)]
    return [(data, lines)]


def _json_lines(text: str) -> dict[tuple, int]:
    """The lines of a JSON text's keys, read as YAML (a superset of nearly all JSON): best effort."""
    try:
        loaded = load_yaml(text)
    except InputRejected:
        return {}  # JSON that YAML 1.1 cannot read: errors go without line numbers
    return loaded[0].lines if len(loaded) == 1 else {}


def _under(lines: dict[tuple, int], index: int) -> dict[tuple, int]:
    return {key[1:]: line for key, line in lines.items() if key[:1] == (index,)}
