"""Column statistics of the ``port_data`` view, with memory bounded by sketches and samples.

1. One scan for every column at once: counts, min/max, mean/stddev, HyperLogLog distinct
   estimates, reservoir quartiles and string lengths.
2. A reservoir sample (strings and high-cardinality columns) for PII, semantic types and
   top-value candidates.
3. Per column, top values: a GROUP BY where the estimate says the column has few distinct
   values (which also makes its distinct count exact), else exact counts of the sample's most
   frequent values by a hash join. Either reads one column, and no hash table grows past the
   exact-distinct limit.
4. One scan for the 20-bin histograms of numbers and dates, on scan 1's ranges.
"""
from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field

import duckdb

from profiling.readers import VIEW

BINS = 20
TOP_K = 10
RESERVOIR = 8192  # DuckDB's reservoir_quantile sample size
NUMBER = "number"
TEMPORAL = "temporal"
STRING = "string"
BOOLEAN = "boolean"
OTHER = "other"


@dataclass
class ColumnResult:
    name: str
    position: int
    data_type: str
    family: str
    stats: dict = field(default_factory=dict)
    is_approximate: bool = False
    sample: list = field(default_factory=list)


@dataclass
class TableResult:
    row_count: int
    columns: list[ColumnResult]
    engine: str = f"duckdb {duckdb.__version__}"


# Type names by family: DuckDB's own and the aliases it accepts, which is also how pipelines
# (OpenLineage ``schema`` facets) name the types of the systems they write.
_FAMILIES = {
    NUMBER: {"TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT", "UINTEGER",
             "UBIGINT", "UHUGEINT", "FLOAT", "DOUBLE", "DECIMAL", "REAL", "INT", "INT1", "INT2", "INT4",
             "INT8", "LONG", "SHORT", "SIGNED", "NUMERIC", "FLOAT4", "FLOAT8"},
    TEMPORAL: {"DATE", "TIMESTAMP", "DATETIME", "TIMESTAMPTZ", "TIMESTAMP_S", "TIMESTAMP_MS", "TIMESTAMP_NS"},
    STRING: {"VARCHAR", "UUID", "TEXT", "STRING", "CHAR", "BPCHAR", "NVARCHAR"},
    BOOLEAN: {"BOOLEAN", "BOOL", "LOGICAL"},
}


def family_of(data_type: str) -> str:
    """The family of a type name: ``DECIMAL(18,2)`` is a number, ``TIMESTAMP WITH TIME ZONE`` temporal."""
    base = data_type.upper().split("(")[0].strip()
    if base.startswith("TIMESTAMP"):
        return TEMPORAL
    base = base.split(" ")[0]
    return next((family for family, names in _FAMILIES.items() if base in names), OTHER)


def quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _numeric_expr(col: ColumnResult) -> str:
    """An expression that maps the column onto a double (epoch seconds for dates and times)."""
    q = quote(col.name)
    if col.family == TEMPORAL:
        return f"epoch(CAST({q} AS TIMESTAMP))"
    return f"CAST({q} AS DOUBLE)"


def _scan1_exprs(col: ColumnResult, i: int) -> list[str]:
    q = quote(col.name)
    exprs = [f"count({q}) AS c{i}_nn", f"approx_count_distinct({q}) AS c{i}_approx"]
    if col.family in (NUMBER, TEMPORAL, STRING, BOOLEAN):
        exprs += [f"min({q}) AS c{i}_min", f"max({q}) AS c{i}_max"]
    if col.family in (NUMBER, TEMPORAL):
        x = _numeric_expr(col)
        exprs += [f"avg({x}) AS c{i}_mean", f"stddev_samp({x}) AS c{i}_std",
                  f"reservoir_quantile({x}, [0.25, 0.5, 0.75]) AS c{i}_q",
                  f"min({x}) AS c{i}_lo", f"max({x}) AS c{i}_hi"]
    if col.family == STRING:
        exprs += [f"min(length({q})) AS c{i}_lmin", f"avg(length({q})) AS c{i}_lavg",
                  f"max(length({q})) AS c{i}_lmax"]
    return exprs


def _fetch_dict(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> dict:
    cursor = con.execute(sql, params or [])
    names = [d[0] for d in cursor.description]
    return dict(zip(names, cursor.fetchone(), strict=True))


def describe(con: duckdb.DuckDBPyConnection) -> list[ColumnResult]:
    rows = con.execute(f"DESCRIBE {VIEW}").fetchall()
    return [ColumnResult(name=r[0], position=i, data_type=str(r[1]), family=family_of(str(r[1])))
            for i, r in enumerate(rows)]


def _scan1(con, columns: list[ColumnResult]) -> tuple[int, dict]:
    exprs = ["count(*) AS row_count"] + [e for i, c in enumerate(columns) for e in _scan1_exprs(c, i)]
    values = _fetch_dict(con, f"SELECT {', '.join(exprs)} FROM {VIEW}")  # noqa: S608 - quoted names
    return int(values["row_count"]), values


def _apply_scan1(col: ColumnResult, i: int, v: dict, rows: int, exact_limit: int) -> None:
    nn = int(v[f"c{i}_nn"])
    s = col.stats
    s["null_count"] = rows - nn
    s["null_ratio"] = round((rows - nn) / rows, 6) if rows else 0.0
    s["distinct_count"] = int(v[f"c{i}_approx"] or 0)
    col.is_approximate = s["distinct_count"] > exact_limit
    if f"c{i}_min" in v:
        s["min"], s["max"] = v[f"c{i}_min"], v[f"c{i}_max"]
    if f"c{i}_mean" in v:
        s["mean"], s["stddev"] = v[f"c{i}_mean"], v[f"c{i}_std"]
        s["quartiles"] = v[f"c{i}_q"]
        s["quartiles_approximate"] = nn > RESERVOIR  # a reservoir sample: exact below its size
        s["_range"] = (v[f"c{i}_lo"], v[f"c{i}_hi"])
        if col.family == TEMPORAL:  # computed on epoch seconds; shown as instants, spread in seconds
            s["mean"] = _instant(s["mean"])
            s["quartiles"] = [_instant(q) for q in s["quartiles"] or []] or None
            s["stddev_unit"] = "seconds"
    if f"c{i}_lmin" in v:
        s["length"] = {"min": v[f"c{i}_lmin"], "avg": v[f"c{i}_lavg"], "max": v[f"c{i}_lmax"]}


def _instant(epoch: float | None) -> str | None:
    return None if epoch is None else dt.datetime.fromtimestamp(epoch, tz=dt.UTC).isoformat()


def _histogram_expr(col: ColumnResult, i: int) -> str | None:
    lo, hi = col.stats.get("_range") or (None, None)
    if lo is None or hi is None or not math.isfinite(lo) or not math.isfinite(hi):
        return None
    width = (hi - lo) / BINS or 1.0
    x = _numeric_expr(col)
    bin_of = f"least(CAST(floor(({x} - {lo!r}) / {width!r}) AS INTEGER), {BINS - 1})"
    return f"histogram({bin_of}) FILTER (WHERE {quote(col.name)} IS NOT NULL) AS c{i}_hist"


def _histogram(col: ColumnResult, bins: dict) -> dict:
    lo, hi = col.stats["_range"]
    width = (hi - lo) / BINS or 1.0
    counts = [0] * BINS
    for index, n in bins.items():
        if index is not None:
            counts[max(0, min(BINS - 1, int(index)))] += int(n)
    edges = [lo + k * width for k in range(BINS + 1)]
    if col.family == TEMPORAL:
        edges = [_instant(e) for e in edges]
    return {"edges": edges, "counts": counts}


def _exact_groups(con, col: ColumnResult) -> None:
    """Exact distinct count and top values: the estimate said the hash table stays small."""
    q = quote(col.name)
    distinct, top = con.execute(
        f"WITH g AS (SELECT {q} AS v, count(*) AS n FROM {VIEW} WHERE {q} IS NOT NULL GROUP BY ALL) "  # noqa: S608
        f"SELECT (SELECT count(*) FROM g), "
        f"(SELECT list([v::VARCHAR, n::VARCHAR] ORDER BY n DESC, v) FROM (SELECT * FROM g ORDER BY n DESC, v LIMIT {TOP_K}))"
    ).fetchone()
    col.stats["distinct_count"] = int(distinct)
    col.stats["_top_text"] = top or []


def _approx_top(con, col: ColumnResult, candidates: list) -> None:
    """Exact counts of the candidate values, by a hash join that reads one column."""
    if not candidates:
        col.stats["_top_pairs"] = []
        return
    q = quote(col.name)
    rows = con.execute(
        f"SELECT k.v, count(*) AS n FROM {VIEW} AS p JOIN (SELECT unnest($1) AS v) AS k ON p.{q} = k.v "  # noqa: S608
        f"GROUP BY k.v ORDER BY n DESC LIMIT {TOP_K}", [candidates]
    ).fetchall()
    col.stats["_top_pairs"] = [(value, int(n)) for value, n in rows]


def _scan2(con, columns: list[ColumnResult]) -> dict:
    """20-bin histograms of every number and date column, from scan 1's ranges, in one scan."""
    exprs = [h for i, c in enumerate(columns) if c.family in (NUMBER, TEMPORAL) and (h := _histogram_expr(c, i))]
    if not exprs:
        return {}
    return _fetch_dict(con, f"SELECT {', '.join(exprs)} FROM {VIEW}")  # noqa: S608 - quoted names


def _candidates(col: ColumnResult, sample: list) -> list:
    """Heavy hitters show up in a random sample: its most frequent values are the candidates."""
    counts: dict = {}
    for value in sample:
        counts[value] = counts.get(value, 0) + 1
    return [v for v, _ in sorted(counts.items(), key=lambda vc: -vc[1])[: TOP_K * 2]]


def _finish(col: ColumnResult, i: int, v: dict) -> None:
    s = col.stats
    if "_top_text" in s:
        raw = s.pop("_top_text")
        s["top_values"] = [{"value": _typed(col, value), "count": int(n)} for value, n in raw]
    else:
        pairs = sorted(s.pop("_top_pairs", []), key=lambda vc: (-vc[1], str(vc[0])))
        s["top_values"] = [{"value": value, "count": n} for value, n in pairs]
    if v.get(f"c{i}_hist") is not None:
        s["histogram"] = _histogram(col, v[f"c{i}_hist"])
    s.pop("_range", None)


def _typed(col: ColumnResult, text: str):
    """Top values of exact columns travel as text; numbers and booleans are turned back."""
    if col.family == NUMBER:
        number = float(text)
        return int(number) if number.is_integer() and "." not in text else number
    if col.family == BOOLEAN:
        return text.lower() == "true"
    return text


def _sample(con, columns: list[ColumnResult], size: int) -> None:
    if not columns or size <= 0:
        return
    names = ", ".join(quote(c.name) for c in columns)
    rows = con.execute(
        f"SELECT {names} FROM {VIEW} USING SAMPLE reservoir({int(size)} ROWS) REPEATABLE (42)"  # noqa: S608
    ).fetchall()
    for k, col in enumerate(columns):
        col.sample = [row[k] for row in rows if row[k] is not None]


def profile_view(con: duckdb.DuckDBPyConnection, *, exact_distinct_limit: int = 100_000,
                 sample_rows: int = 20_000, on_progress=None) -> TableResult:
    """Profile ``port_data`` on ``con``; values are native Python (not yet JSON-safe or masked).

    ``on_progress`` is called between scans (the caller's heartbeat).
    """
    beat = on_progress or (lambda: None)
    columns = describe(con)
    rows, scan1 = _scan1(con, columns)
    beat()
    for i, col in enumerate(columns):
        _apply_scan1(col, i, scan1, rows, exact_distinct_limit)
    # Strings feed PII and semantic types; approximate columns need top-value candidates.
    _sample(con, [c for c in columns if c.family == STRING or c.is_approximate and c.family != OTHER],
            sample_rows if rows else 0)
    for col in columns:
        if col.family == OTHER or not rows:
            col.stats["_top_text"] = []
        elif col.is_approximate:
            _approx_top(con, col, _candidates(col, col.sample))
        else:
            _exact_groups(con, col)
    beat()
    scan2 = _scan2(con, columns) if rows else {}
    for i, col in enumerate(columns):
        _finish(col, i, scan2)
    return TableResult(row_count=rows, columns=columns)
