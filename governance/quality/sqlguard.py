"""SQL rules are user input: only one SELECT over the port's own data may run, under a time limit.

A contract's SQL rule names its table as ``{object}``/``${table}`` or by the schema object's
name; both become the ``port_data`` view. The query is then parsed by DuckDB itself
(``json_serialize_sql``) and refused, without running, when it is not a single SELECT, reads a
table other than ``port_data`` (or its own CTEs), or calls a table function such as
``read_csv('/etc/passwd')``. The connection it finally runs on also has external access
locked, so a query the parser let through still could not open a file.

Time is bounded twice: each query by its own limit, and a port's whole run by one deadline
(``Deadline``) whose remaining seconds cap each query's limit, so a contract of ten slow rules
holds a worker for the run's budget, not ten times a rule's.
"""
from __future__ import annotations

import json
import math
import re
import time
from collections.abc import Iterator, Sequence

import duckdb

from profiling import errors as profiling_errors
from profiling import readers

VIEW = "port_data"
_PLACEHOLDERS = re.compile(r"\$?\{\s*(object|table|model|column|property)\s*\}", re.IGNORECASE)


class UnsafeQuery(ValueError):
    """The SQL rule was refused before it ran; the message says why."""


class QueryTimeout(RuntimeError):
    """The query ran past its time limit and was interrupted."""


class BudgetSpent(QueryTimeout):
    """The run's time budget is spent: the query was stopped, or not started."""


class Deadline:
    """One run's time budget (None: unlimited), shared by its queries, each also under ``per_query`` seconds."""

    def __init__(self, seconds: float | None, *, per_query: float):
        self.seconds, self.per_query = seconds, per_query
        self._ends = time.monotonic() + seconds if seconds is not None else math.inf

    def remaining(self) -> float:
        return self._ends - time.monotonic()

    def check(self) -> None:
        """``BudgetSpent`` once nothing is left of the budget."""
        if self.remaining() <= 0:
            raise self.spent()

    def timeout(self) -> float:
        """The next query's limit: its own, or what is left of the run's budget (``BudgetSpent`` if nothing)."""
        self.check()
        return min(self.per_query, self.remaining())

    def spent(self) -> BudgetSpent:
        return BudgetSpent(f"the run's time budget of {self.seconds:g} s is spent")


def quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def prepare(query: str, *, object_names: Sequence[str] = (), column: str = "") -> str:
    """The rule's query pointed at ``port_data``, or ``UnsafeQuery`` saying why it may not run."""
    sql = _PLACEHOLDERS.sub(lambda m: _placeholder(m.group(1).lower(), column), query.strip().rstrip(";"))
    with duckdb.connect(":memory:", config={"enable_external_access": False}) as parser:
        tree = json.loads(parser.execute("SELECT json_serialize_sql(?)", [sql]).fetchone()[0])
        _check_statements(tree)
        nodes = list(_walk(tree))
        ctes = {entry.get("key") for node in nodes for entry in (node.get("cte_map") or {}).get("map", [])}
        renames = {n for n in object_names if n} - ctes - {VIEW}
        for node in nodes:
            _point_at_view(node, renames)
            _check_node(node, allowed={VIEW, *ctes})
        return parser.execute("SELECT json_deserialize_sql(?)", [json.dumps(tree)]).fetchone()[0]


def _placeholder(kind: str, column: str) -> str:
    if kind in ("column", "property"):
        if not column:
            raise UnsafeQuery("the query uses {column} but the rule is not on a property")
        return quote(column)
    return VIEW


def _check_statements(tree: dict) -> None:
    if tree.get("error"):
        message = tree.get("error_message", "cannot be parsed")
        if "Only SELECT" in message:
            message = "only a SELECT may run as a quality rule"
        raise UnsafeQuery(message)
    if len(tree.get("statements", [])) != 1:
        raise UnsafeQuery("a quality rule must be exactly one SELECT statement")


def _point_at_view(node: dict, renames: set[str]) -> None:
    """The contract's table name becomes ``port_data``, aliased so ``name.column`` still binds."""
    if node.get("type") != "BASE_TABLE" or node.get("schema_name") or node.get("catalog_name"):
        return
    name = node.get("table_name")
    if name in renames:
        node["table_name"] = VIEW
        node["qualified_name"] = {"path": [VIEW]}
        node["alias"] = node.get("alias") or name


def _check_node(node: dict, *, allowed: set[str]) -> None:
    kind = node.get("type")
    if kind == "TABLE_FUNCTION":
        function = (node.get("function") or {}).get("function_name", "?")
        raise UnsafeQuery(
            f"refused: the query calls the table function {function}(); a rule may read only {VIEW}"
        )
    if kind == "BASE_TABLE":
        name = node.get("table_name", "")
        qualified = node.get("schema_name") or node.get("catalog_name")
        if qualified or name not in allowed:
            shown = ".".join(p for p in (node.get("catalog_name"), node.get("schema_name"), name) if p)
            raise UnsafeQuery(f"refused: the query reads {shown!r}; a rule may read only {VIEW}")


def _walk(value) -> Iterator[dict]:
    if isinstance(value, dict):
        yield value
        for child in value.values():
            yield from _walk(child)
    elif isinstance(value, list):
        for child in value:
            yield from _walk(child)


def fetch_one(con: duckdb.DuckDBPyConnection, sql: str, params: Sequence = (), *, timeout: float | None = None,
              deadline: Deadline | None = None):
    """The first row of a query, interrupted after ``timeout`` seconds or at the run's ``deadline``.

    ``QueryTimeout`` when the query's own limit stopped it, ``BudgetSpent`` when the deadline did.
    """
    deadline = deadline or Deadline(None, per_query=timeout)
    try:
        with readers.time_limit(con, deadline.timeout()):
            return con.execute(sql, list(params)).fetchone()
    except profiling_errors.QueryTimeout as exc:
        if deadline.remaining() <= 0:
            raise deadline.spent() from exc
        raise QueryTimeout(f"stopped: {exc}") from exc
