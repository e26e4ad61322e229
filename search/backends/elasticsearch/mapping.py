"""The Elasticsearch document of a product: English text, an edge n-gram autocomplete sub-field,
lower-cased keywords for exact names and facets, and columns as nested objects.

The mapping is strict (a field the mapping lacks is an error, not a guess) and carries
``MAPPING_VERSION`` in its ``_meta``: change the mapping, bump it, and ``manage.py check`` asks for
``search_index --rebuild`` until the index behind the alias has it."""
from __future__ import annotations

from elasticsearch.dsl import (
    Boolean,
    Date,
    DenseVector,
    Document,
    Float,
    InnerDoc,
    Integer,
    Keyword,
    MetaField,
    Nested,
    Text,
    analyzer,
    char_filter,
    normalizer,
    token_filter,
    tokenizer,
)

from search.documents import ProductDoc

MAPPING_VERSION = 3  # 2: strict, `updated` a date, only the column fields searched; 3: passages' vectors (nested)

# "sales.orders" and "revenue_eur" are one token to the standard tokenizer; split them as the
# query parser does, so dotted and snake_case names match word by word and as phrases.
split = char_filter("meshport_split", "pattern_replace", pattern="[._]", replacement=" ")
lowercase = normalizer("meshport_lowercase", filter=["lowercase", "asciifolding"])
autocomplete = analyzer(
    "meshport_autocomplete",
    char_filter=[split],
    tokenizer=tokenizer("meshport_edge", "edge_ngram", min_gram=2, max_gram=20, token_chars=["letter", "digit"]),
    filter=["lowercase", "asciifolding"],
)
words = analyzer("meshport_words", char_filter=[split], tokenizer="standard", filter=["lowercase", "asciifolding"])
english = analyzer(
    "meshport_english",
    char_filter=[split],
    tokenizer="standard",
    filter=["lowercase", "asciifolding", token_filter("meshport_stem", "stemmer", language="english")],
)


def _text(**extra) -> Text:
    return Text(analyzer=english, fields={"words": Text(analyzer=words), **extra})


class Column(InnerDoc):
    """What a column match needs: its name and description (the port and class are read from the database)."""

    name = _text(prefix=Text(analyzer=autocomplete, search_analyzer=words))
    description = Text(analyzer=english)


class Passage(InnerDoc):
    """One passage's vector (search.semantic.store.semantic_chunks): a nested kNN scores a product by its
    best passage, as the database backend does."""

    embedding = DenseVector(dims=384, index=True, similarity="cosine")


class ProductDocument(Document):
    """One data product. ``rank_boost`` feeds ``function_score``; ``content_hash`` the drift check."""

    identifier = Keyword(fields={"text": Text(analyzer=words), "prefix": Text(analyzer=autocomplete, search_analyzer=words)})
    name = _text(exact=Keyword(normalizer=lowercase), prefix=Text(analyzer=autocomplete, search_analyzer=words))
    description = Text(analyzer=english)
    domain = Keyword()
    domain_name = _text()
    domain_id = Integer()
    status = Keyword()
    visibility = Keyword()
    tags = Keyword(fields={"text": Text(analyzer=english)})
    owners = Keyword(fields={"text": Text(analyzer=words)})
    formats = Keyword()
    columns = Nested(Column)
    has_pii = Boolean()
    quality_score = Float()
    usage_count = Integer()
    rank_boost = Float()
    updated = Date()
    content_hash = Keyword()
    # search by meaning (search.semantic): the vectors of the product's passages, for a filtered kNN
    # (queries.knn_body); none while search by meaning is off or the product has no vector yet
    passages = Nested(Passage)

    class Meta:
        dynamic = MetaField("strict")
        meta = MetaField(meshport_mapping_version=MAPPING_VERSION)

    @classmethod
    def from_doc(cls, doc: ProductDoc, vectors=None) -> ProductDocument:
        """``vectors``: the product's passage vectors (rows of a float32 array), stored for its kNN."""
        body = {k: v for k, v in doc.as_dict().items() if k not in ("id", "version", "ports")}
        body["columns"] = [{k: c[k] for k in ("name", "description")} for c in doc.columns]
        if vectors is not None and len(vectors):
            body["passages"] = [{"embedding": [round(float(x), 6) for x in row]} for row in vectors]
        return cls(meta={"id": doc.id}, **body)
