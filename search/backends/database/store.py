"""Writes of the database backend: entries, facets, vocabulary and the engine's text rows."""
from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from itertools import islice

from django.db import connection

from search.documents import ProductDoc
from search.models import SearchTerm

WRITE_CHUNK = 2000
_VOCAB_WORD = re.compile(r"[^\W\d_]{3,40}")
ENTRY_COLUMNS = (
    "product_id", "identifier", "name_norm", "domain_id", "status", "visibility", "has_pii",
    "quality_score", "usage_count", "rank_boost", "updated", "content_hash", "facet_keys", "result",
)
FIELD_SEP, GROUP_SEP, FACET_SEP = "\x1f", "\x1d", "\x1e"  # unit, group, record separators: never in a value
# facet_keys packs an entry's "field\x1fvalue" keys into parts (joined by FACET_SEP), the keys of
# one part joined by GROUP_SEP: domain and status share a part, each multi-valued field has its
# own. Parts recur across entries far more than whole key sets do, so the search counts the hits'
# distinct parts and then the keys in those, instead of every key of every hit.
_PART = {"domain": 0, "status": 0, "tag": 1, "format": 2, "owner": 3}


def pack_facet_keys(pairs: Iterable[tuple[str, str]]) -> str:
    parts: dict[int, list[str]] = {}
    for field, value in pairs:
        parts.setdefault(_PART[field], []).append(f"{field}{FIELD_SEP}{value}")
    return FACET_SEP.join(GROUP_SEP.join(keys) for _, keys in sorted(parts.items()))


def result_fields(engine, doc: ProductDoc, text: dict) -> dict:
    """What a hit shows, plus the texts to highlight from where the engine keeps none (PostgreSQL)."""
    shown = {
        "identifier": doc.identifier, "name": doc.name, "domain": doc.domain, "domain_name": doc.domain_name,
        "description": doc.description, "status": doc.status, "visibility": doc.visibility,
        "quality_score": doc.quality_score, "tags": doc.tags,
    }
    return shown | {"text": text} if engine.highlights_from_result else shown


def texts(doc: ProductDoc) -> dict[str, str]:
    """The searchable text of a document, by field, in the order engines weight them."""
    return {
        "identifier": doc.identifier.replace(".", " . "),
        "name": doc.name,
        "tags": " | ".join(doc.tags),
        "columns": " | ".join(f"{c['name']}: {c['description']}".rstrip(": ") for c in doc.columns),
        "domain": f"{doc.domain} {doc.domain_name}",
        "description": doc.description,
        "owners": " | ".join(doc.owners),
    }


def write(engine, docs: list[ProductDoc], *, replace: bool, suffix: str = "") -> int:
    """Write these documents' rows; ``suffix``: into the tables a rebuild fills (``shadow``), not the live ones."""
    if replace:
        delete(engine, [d.id for d in docs], suffix=suffix)
    if not docs:
        return 0
    text = {d.id: texts(d) for d in docs}
    with connection.cursor() as cursor:
        cursor.executemany(_entry_sql(engine, suffix), [entry_row(engine, d, text[d.id]) for d in docs])
        engine.write_facets(cursor, [row for d in docs for row in _facet_rows(d)], table=f"catalog_searchfacet{suffix}")
        engine.write_text(cursor, [(d.id, text[d.id], d.visibility == "restricted") for d in docs])
    terms = sorted(vocabulary(text.values()))
    if suffix:
        with connection.cursor() as cursor:
            cursor.executemany(f"INSERT INTO catalog_searchterm{suffix} (term) VALUES (%s) ON CONFLICT DO NOTHING",  # noqa: S608
                               [(t,) for t in terms])
    else:
        SearchTerm.objects.bulk_create([SearchTerm(term=t) for t in terms], ignore_conflicts=True)
    return len(docs)


def write_chunks(engine, docs: Iterable[ProductDoc], *, progress=None) -> int:
    written = 0
    iterator: Iterator[ProductDoc] = iter(docs)
    while chunk := list(islice(iterator, WRITE_CHUNK)):
        written += write(engine, chunk, replace=False)
        if progress:
            progress(len(chunk))
    engine.optimize()
    return written


def delete(engine, ids: list[int], *, suffix: str = "") -> None:
    if not ids:
        return
    marks = ", ".join(["%s"] * len(ids))
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM catalog_searchfacet{suffix} WHERE entry_id IN ({marks})", ids)  # noqa: S608
        engine.delete_text(cursor, ids, marks)
        cursor.execute(f"DELETE FROM catalog_searchentry{suffix} WHERE product_id IN ({marks})", ids)  # noqa: S608


def delete_all(engine) -> None:
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM catalog_searchfacet")
        engine.delete_text(cursor, None, "")
        cursor.execute("DELETE FROM catalog_searchentry")
        cursor.execute("DELETE FROM catalog_searchterm")


def _entry_sql(engine, suffix: str = "") -> str:
    columns = ", ".join((*ENTRY_COLUMNS, *engine.entry_columns))
    values = ", ".join(["%s"] * (len(ENTRY_COLUMNS) - 1) + [engine.json_placeholder])
    extra = f", {engine.entry_values}" if engine.entry_values else ""
    return f"INSERT INTO catalog_searchentry{suffix} ({columns}) VALUES ({values}{extra})"  # noqa: S608


def entry_row(engine, d: ProductDoc, text: dict) -> tuple:
    return (
        d.id, d.identifier, d.name.lower(), d.domain_id, d.status, d.visibility, d.has_pii,
        d.quality_score, d.usage_count, d.rank_boost, d.updated, d.content_hash,
        pack_facet_keys((field, value) for _, field, value in _facet_rows(d)),
        json.dumps(result_fields(engine, d, text)), *engine.entry_params(text),
    )


def _facet_rows(d: ProductDoc) -> Iterator[tuple]:
    yield (d.id, "domain", d.domain)
    yield (d.id, "status", d.status)
    for field, values in (("tag", d.tags), ("format", d.formats), ("owner", d.owners)):
        for value in values:
            yield (d.id, field, value[:200])


def vocabulary(texts_by_doc: Iterable[dict]) -> set[str]:
    words: set[str] = set()
    for text in texts_by_doc:
        words.update(_VOCAB_WORD.findall(" ".join(text.values()).lower()))
    return words
