"""Policy files: YAML (or JSON) documents, one policy each (or a list), read from a folder or a file."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

DEFAULTS_DIR = Path(__file__).resolve().parent / "defaults"
SUFFIXES = (".yaml", ".yml", ".json")
FIELDS = ("key", "title", "rationale", "scope", "domain", "severity", "applies_to", "selector", "rule", "message",
          "path", "enabled", "waivable")


class PolicyFileError(ValueError):
    """A policy file that cannot be read; names the file and, where known, the policy and field."""


@dataclass(frozen=True)
class PolicyDocument:
    data: dict
    file: str


def policy_files(path: Path) -> list[Path]:
    path = Path(path)
    if path.is_dir():
        return sorted(p for p in path.rglob("*") if p.suffix in SUFFIXES and p.is_file())
    if path.is_file():
        return [path]
    raise PolicyFileError(f"{path}: no such file or folder")


def read_policies(path: Path) -> list[PolicyDocument]:
    """Every policy in the files under ``path``, in file order; keys must be unique."""
    found: list[PolicyDocument] = []
    seen: dict[str, str] = {}
    for file in policy_files(path):
        try:
            docs = [d for d in yaml.safe_load_all(file.read_text(encoding="utf-8")) if d is not None]
        except yaml.YAMLError as exc:
            raise PolicyFileError(f"{file}: not YAML: {exc}") from exc
        for doc in (item for d in docs for item in (d if isinstance(d, list) else [d])):
            if not isinstance(doc, dict) or not isinstance(doc.get("key"), str):
                raise PolicyFileError(f"{file}: each policy is a mapping with a key")
            unknown = sorted(set(doc) - set(FIELDS))
            if unknown:
                raise PolicyFileError(f"{file}: policy {doc['key']!r}: unknown field(s) {', '.join(unknown)}; "
                                      f"allowed: {', '.join(FIELDS)}")
            if doc["key"] in seen:
                raise PolicyFileError(f"{file}: policy {doc['key']!r} is also in {seen[doc['key']]}")
            seen[doc["key"]] = str(file)
            found.append(PolicyDocument(data=doc, file=str(file)))
    return found
