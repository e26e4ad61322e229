"""What differs between SQLite FTS5 and PostgreSQL full text: text rows, match SQL, highlights.

Every match returns rows ``(id, score)`` with a higher score for a better match. The query
expressions are built only from the parsed words (letters and digits), so user input never
reaches FTS5 or ``to_tsquery`` syntax unescaped.
"""
from __future__ import annotations

import re

from django.db import connection

from catalog.visibility import Viewer
from search.query import Group, ParsedQuery
from search.types import ENTRY_COLUMNS

_WORD = re.compile(r"[^\W_]+")

HL_START, HL_END = "\x02", "\x03"  # sentinels; the result layer escapes the text, then marks it
LT, GT = "\x01", "\x04"
FIELDS = ("identifier", "name", "tags", "columns", "domain", "description", "owners")
# FTS5 keeps restricted products' columns in a column of their own, so that a viewer with no
# restricted access is searched with a column filter: one MATCH, no per-row checks.
FTS_FIELDS = (*FIELDS, "restricted_columns")
OPEN_FIELDS = FIELDS
# What a search reads from each hit, as a covering index on SQLite (as created by migration 0004).
HITS_INDEX = "catalog_searchentry_hits"
HITS_INDEX_SQL = (
    f"CREATE INDEX IF NOT EXISTS {HITS_INDEX} ON catalog_searchentry (product_id, status, visibility, "
    "domain_id, has_pii, rank_boost, identifier, name_norm, quality_score, usage_count, updated, facet_keys)"
)


class SqliteEngine:
    """FTS5 with the porter stemmer and bm25, fields weighted like the Elasticsearch boosts."""

    vendor = "sqlite"
    json_placeholder = "%s"
    highlights_from_result = False  # FTS5 keeps the text and highlights from it
    create_sql = (
        f"CREATE VIRTUAL TABLE catalog_search_fts USING fts5({', '.join(FTS_FIELDS)}, "
        "tokenize = 'porter unicode61 remove_diacritics 2', prefix = '2 3')"
    )
    entry_columns: tuple[str, ...] = ()
    query_columns: tuple[str, ...] = ()
    entry_values = ""
    # The hits' columns come from a covering index (migration 0004): one b-tree descent per hit.
    entries = f"catalog_searchentry e INDEXED BY {HITS_INDEX}"
    # FTS_FIELDS order. The domain's words recur in the identifier and often in owner names:
    # those fields weigh little, or the domain would outweigh a product's own name and tags.
    weights = (1.0, 10.0, 5.0, 3.0, 2.0, 1.0, 0.5, 3.0)

    def entry_params(self, texts: dict) -> tuple:
        return ()

    @staticmethod
    def concat_sql(column: str) -> str:
        return f"group_concat({column}, char(30))"  # FACET_SEP

    def write_text(self, cursor, rows: list[tuple[int, dict, bool]]) -> None:
        cursor.executemany(
            f"INSERT INTO catalog_search_fts (rowid, {', '.join(FTS_FIELDS)}) VALUES (%s{', %s' * len(FTS_FIELDS)})",
            [(pk, *self._row(texts, restricted)) for pk, texts, restricted in rows],
        )

    @staticmethod
    def _row(texts: dict, restricted: bool) -> list[str]:
        values = [texts[f] for f in FIELDS]
        hidden = values[3] if restricted else ""
        if restricted:
            values[3] = ""
        return [*values, hidden]

    @staticmethod
    def write_facets(cursor, rows: list[tuple[int, str, str]], table: str = "catalog_searchfacet") -> None:
        cursor.executemany(f"INSERT INTO {table} (entry_id, field, value) VALUES (%s, %s, %s)", rows)  # noqa: S608

    @staticmethod
    def vacuum() -> None:
        """Nothing: the rebuild replaced the FTS5 table rather than deleting from it, and SQLite reuses
        the entry table's freed pages."""

    def optimize(self) -> None:
        """After a full load: merge the FTS5 segments it left into one b-tree, rebuild the hits index."""
        with connection.cursor() as cursor:
            cursor.execute("INSERT INTO catalog_search_fts (catalog_search_fts) VALUES ('optimize')")
            cursor.execute(HITS_INDEX_SQL)

    def delete_text(self, cursor, ids: list[int] | None, marks: str) -> None:
        if ids is None:
            # Deleting rows from FTS5 re-reads each one to unindex it; a new table is instant.
            # (Same definition as migration 0002; transactional, so readers keep the old one.)
            cursor.execute("DROP TABLE catalog_search_fts")
            cursor.execute(self.create_sql)
            # A full load: one CREATE INDEX afterwards (optimize) beats updating it per row.
            cursor.execute(f"DROP INDEX IF EXISTS {HITS_INDEX}")
        else:
            cursor.execute(f"DELETE FROM catalog_search_fts WHERE rowid IN ({marks})", ids)  # noqa: S608

    def expression(self, parsed: ParsedQuery, operator: str, fields: tuple[str, ...] = FTS_FIELDS) -> str:
        joined = f" {operator.upper()} ".join(f"({self._group(g)})" for g in parsed.groups)
        return joined if fields == FTS_FIELDS else f"{{{' '.join(fields)}}} : ({joined})"

    def _group(self, group: Group) -> str:
        if group.is_phrase:
            return '"' + " ".join(group.words) + '"'
        word = group.words[0]
        # A prefix query includes the word itself: one doclist pass instead of two (as `word:*` on PostgreSQL).
        terms = [f'"{word}"*' if group.prefix else f'"{word}"']
        # Synonyms count in names and tags only: a rare synonym deep in a description would
        # otherwise outweigh (by its rarity) the word the user actually typed.
        synonyms = " OR ".join(f'"{w}"' for w in group.other_synonyms)
        return " OR ".join([*terms, *(f'"{w}"' for w in group.corrections),
                            *([f"{{name tags}} : ({synonyms})"] if synonyms else [])])

    def hits_from(self, parsed: ParsedQuery | None, operator: str, viewer: Viewer) -> tuple[str, str, list]:
        """``FROM`` text yielding the matched entries as ``e``, the SQL of their text score, its params.

        The match is the FTS5 table's: its rowids are joined to the entries (``parsed`` None: all).
        """
        match, params = (("SELECT product_id AS id, 1.0 AS score FROM catalog_searchentry", []) if parsed is None
                         else self.match_sql(parsed, operator, viewer))
        return f"({match}) m JOIN {self.entries} ON e.product_id = m.id", "m.score", params

    def match_sql(self, parsed: ParsedQuery, operator: str, viewer: Viewer) -> tuple[str, list]:
        weights = ", ".join(str(w) for w in self.weights)
        sql = (
            f"SELECT rowid AS id, -bm25(catalog_search_fts, {weights}) AS score "  # noqa: S608
            "FROM catalog_search_fts WHERE catalog_search_fts MATCH %s"
        )
        open_only = not viewer.reads_any_restricted
        return sql, [self.expression(parsed, operator, OPEN_FIELDS if open_only else FTS_FIELDS)]

    def column_guard(self, parsed: ParsedQuery, operator: str, viewer: Viewer) -> tuple[str, list]:
        """Products whose details the viewer may not read match only outside their columns."""
        if viewer.steward or not viewer.reads_any_restricted:  # the match left columns out already
            return "", []
        reads, params = viewer.reads_sql(ENTRY_COLUMNS)
        sql = f"({reads} OR e.product_id IN (SELECT rowid FROM catalog_search_fts WHERE catalog_search_fts MATCH %s))"
        return sql, [*params, self.expression(parsed, operator, OPEN_FIELDS)]

    def highlight_sql(self, parsed: ParsedQuery, ids: list[int]) -> tuple[str, list]:
        """The page's rows, in one FTS5 scan of the match bounded by the page's lowest and highest id.

        A plain ``rowid IN (…)`` makes SQLite call FTS5 once per id, and each call evaluates the
        whole expression again (for a prefix, merging the doclists of every matching term): on a
        broad word that is twenty full matches. ``+rowid`` keeps the list a filter on one scan.
        """
        marks = ", ".join(["%s"] * len(ids))
        hl = f"'{HL_START}', '{HL_END}'"
        sql = (
            f"SELECT rowid, highlight(catalog_search_fts, 1, {hl}), highlight(catalog_search_fts, 2, {hl}), "  # noqa: S608
            f"snippet(catalog_search_fts, 3, {hl}, '…', 12) || ' | ' || snippet(catalog_search_fts, 7, {hl}, '…', 12), "
            f"snippet(catalog_search_fts, 5, {hl}, '…', 24) "
            "FROM catalog_search_fts WHERE catalog_search_fts MATCH %s AND rowid BETWEEN %s AND %s "
            f"AND +rowid IN ({marks})"
        )
        return sql, [self.expression(parsed, "or"), min(ids), max(ids), *ids]

    def suggest_sql(self, parsed: ParsedQuery) -> tuple[str, list]:
        """Name and identifier words; the last (being typed) and any long one as a prefix."""
        last = len(parsed.groups) - 1
        groups = ['"' + " ".join(g.words) + '"' + ("*" if g.prefix or i == last else "")
                  for i, g in enumerate(parsed.groups)]
        expr = "{identifier name} : (" + " AND ".join(groups) + ")"
        sql = "SELECT rowid AS id, -bm25(catalog_search_fts) AS score FROM catalog_search_fts WHERE catalog_search_fts MATCH %s"
        return sql, [expr]

    def column_match_sql(self, word: str, viewer: Viewer, limit: int) -> tuple[str, list]:
        """Products with a column word starting with ``word`` (a letters-and-digits word), unranked:
        candidates for column suggestions, through the text index instead of a scan of every column."""
        fields = "columns restricted_columns" if viewer.reads_any_restricted else "columns"
        # unranked: ranking every product with such a column (a common one, at scale) costs more than the rest
        sql = "SELECT rowid FROM catalog_search_fts WHERE catalog_search_fts MATCH %s LIMIT %s"
        # the index holds stems ("shipped_at" as "ship"): a long word's shorter prefix finds those too
        prefixes = " OR ".join(f'"{w}"*' for w in stem_prefixes(word))
        return sql, [f"{{{fields}}} : ({prefixes})", limit]


class PostgresEngine:
    """A weighted ``tsvector`` (A name, B identifier and tags, C columns, D domain, description, owners)."""

    vendor = "postgresql"
    json_placeholder = "%s::jsonb"
    highlights_from_result = True  # ts_headline needs the text: it is kept in the entry's JSON
    rank_weights = "'{0.1, 0.4, 0.5, 1.0}'"  # D, C, B, A
    _vector = (
        "setweight(to_tsvector('english', %s), 'A') || setweight(to_tsvector('english', %s), 'B') || "
        "setweight(to_tsvector('english', %s), 'C') || setweight(to_tsvector('english', %s), 'D')"
    )

    # A second, small vector of name and identifier words ('simple': unstemmed) for suggestions:
    # prefix lookups there touch a small GIN index and tiny vectors, not the full text.
    entry_columns = ("search_vector", "suggest_vector")
    entry_values = f"{_vector}, to_tsvector('simple', %s)"
    query_columns = ("search_vector",)

    entries = "catalog_searchentry e"

    @staticmethod
    def concat_sql(column: str) -> str:
        return f"string_agg({column}, chr(30))"  # FACET_SEP

    def entry_params(self, texts: dict) -> tuple:
        weighted = self._weighted(texts)
        return (*weighted, " ".join(_WORD.findall(f"{texts['name']} {texts['identifier']}")))

    def write_text(self, cursor, rows: list[tuple[int, dict]]) -> None:
        """The vector is written with the entry row (``entry_values``)."""

    @staticmethod
    def _weighted(texts: dict) -> tuple[str, str, str, str]:
        def words(*fields):  # the parser reads "sales.orders" as a host and "<b>" as a tag: words only
            return " ".join(_WORD.findall(" ".join(texts[f] for f in fields)))

        # The identifier repeats the domain's words: B, with the tags, so the name alone is A.
        return words("name"), words("identifier", "tags"), words("columns"), words("domain", "description", "owners")

    def delete_text(self, cursor, ids, marks) -> None:
        """The vector lives on the entry row: deleting the entry deletes it."""

    @staticmethod
    def staged_vector(alias: str) -> str:
        """``_vector`` over a rebuild's staged text columns (``shadow``): w_a … w_d, the weights A … D."""
        return " || ".join(f"setweight(to_tsvector('english', {alias}.w_{w}), '{w.upper()}')" for w in "abcd")

    @staticmethod
    def write_facets(cursor, rows: list[tuple[int, str, str]], table: str = "catalog_searchfacet") -> None:
        """COPY: a rebuild writes ~7 facet rows a product, and one INSERT each costs 5x as much."""
        with cursor.cursor.copy(f"COPY {table} (entry_id, field, value) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)

    @staticmethod
    def vacuum() -> None:
        """After a rebuild's commit: its delete left a dead copy of every row, which searches would
        wade through until autovacuum came by (at 100k products, API p95 ~150 ms instead of ~92)."""
        with connection.cursor() as cursor:
            cursor.execute("VACUUM catalog_searchentry, catalog_searchfacet")

    def optimize(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE catalog_searchentry")
            cursor.execute("ANALYZE catalog_searchfacet")

    def tsquery(self, parsed: ParsedQuery, operator: str) -> str:
        joiner = " & " if operator == "and" else " | "
        return joiner.join(f"({self._group(g)})" for g in parsed.groups)

    def _group(self, group: Group) -> str:
        if group.is_phrase:
            return " <-> ".join(group.words)
        word = group.words[0]
        synonyms = [f"{w}:AB" for w in group.other_synonyms]  # names, identifiers, tags (see SqliteEngine._group)
        return " | ".join([f"{word}:*" if group.prefix else word, *group.corrections, *synonyms])

    def hits_from(self, parsed: ParsedQuery | None, operator: str, viewer: Viewer) -> tuple[str, str, list]:
        """The match is a condition on the entry row itself: one scan of the entries, no self-join.

        (Joined to a sub-select of its own matches, the table was read twice: on a word that 36,000
        of 100,000 entries hold, two parallel scans and a hash join, about half the query's time.)
        """
        if parsed is None:
            return self.entries, "1.0", []
        sql = f"{self.entries} CROSS JOIN to_tsquery('english', %s) q WHERE e.search_vector @@ q"
        return sql, f"ts_rank({self.rank_weights}, e.search_vector, q, 1)", [self.tsquery(parsed, operator)]

    def column_guard(self, parsed: ParsedQuery, operator: str, viewer: Viewer) -> tuple[str, list]:
        """Products whose details the viewer may not read match only outside their columns (weight C)."""
        reads, params = viewer.reads_sql(ENTRY_COLUMNS)
        if not reads:
            return "", []
        sql = f"({reads} OR ts_filter(e.search_vector, '{{a,b,d}}') @@ to_tsquery('english', %s))"
        return sql, [*params, self.tsquery(parsed, operator)]

    def highlight_sql(self, parsed: ParsedQuery, ids: list[int]) -> tuple[str, list]:
        marks = ", ".join(["%s"] * len(ids))
        opts = f"StartSel={HL_START}, StopSel={HL_END}"
        frag = f"{opts}, MaxFragments=2, MaxWords=14, MinWords=5, FragmentDelimiter=…"

        def headline(field, options):  # "<" and ">" would read as markup: swapped out, restored later
            text = f"translate(result->'text'->>'{field}', '<>', '{LT}{GT}')"
            return f"ts_headline('english', {text}, q, '{options}')"

        sql = (
            f"SELECT product_id, {headline('name', opts + ', HighlightAll=true')}, "  # noqa: S608
            f"{headline('tags', opts + ', HighlightAll=true')}, {headline('columns', frag)}, "
            f"{headline('description', frag)} FROM catalog_searchentry, to_tsquery('english', %s) q "
            f"WHERE product_id IN ({marks})"
        )
        return sql, [self.tsquery(parsed, "or"), *ids]

    def suggest_sql(self, parsed: ParsedQuery) -> tuple[str, list]:
        parts = [" <-> ".join(g.words) + ":*" for g in parsed.groups]
        sql = (
            "SELECT product_id AS id, ts_rank(suggest_vector, q) AS score FROM catalog_searchentry, "
            "to_tsquery('simple', %s) q WHERE suggest_vector @@ q"
        )
        return sql, [" & ".join(parts)]

    @staticmethod
    def column_match_sql(word: str, viewer: Viewer, limit: int) -> tuple[str, list]:
        """Products with a column word starting with ``word`` (weight C: the columns), unranked."""
        sql = "SELECT product_id FROM catalog_searchentry WHERE search_vector @@ to_tsquery('simple', %s) LIMIT %s"
        return sql, [" | ".join(f"{w}:*C" for w in stem_prefixes(word)), limit]


def stem_prefixes(word: str) -> tuple[str, ...]:
    """The word and, when long, a shorter prefix that its stem starts with (stemming drops at most a few letters)."""
    return (word, word[:-3]) if len(word) >= 7 else (word,)


_ENGINES = {"sqlite": SqliteEngine(), "postgresql": PostgresEngine()}


def engine_for(vendor: str):
    try:
        return _ENGINES[vendor]
    except KeyError:
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured(f"the database search backend supports SQLite and PostgreSQL, not {vendor}") from None
