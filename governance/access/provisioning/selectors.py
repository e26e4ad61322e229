"""Provisioning reads: who may take a port's data through Meshport, what of it is masked, how to connect.

Data through Meshport (download, sample) needs what the product page needs to show details —
``Viewer.reads`` — and, on a restricted product, the domain team or a steward, or a live grant
covering *that* port (a grant on one port opens no other). A sample masks the sensitive columns
(``profiling.store.sensitive_columns``: classified pii/restricted/confidential, or suggested as
PII and not rejected — the rule the profile and quality values follow) except for the domain team
and stewards, and for columns a grant's ODCS role unmasks: its ``roles[]`` entry in the port's
contract may carry ``customProperties: [{property: unmaskedColumns, value: [..] | "*"}]``.
"""
from __future__ import annotations

import shlex
from dataclasses import dataclass
from urllib.parse import quote

from django.db.models import Q, QuerySet
from psycopg.conninfo import make_conninfo

from catalog.models import OutputPort
from catalog.visibility import Viewer
from governance.access.models import AccessGrant
from governance.access.policy import contract_roles
from governance.access.provisioning.base import FILES, POSTGRES, kind_for
from governance.access.provisioning.models import Provisioning
from governance.access.provisioning.postgres import Refused, role_name, table_of
from governance.access.selectors import live_grants
from profiling.readers import VIEW, port_connection, run_query
from profiling.store import MASK, json_safe, sensitive_columns

UNMASKED_PROPERTY = "unmaskedColumns"


@dataclass(frozen=True)
class DataAccess:
    """May the user take this port's data, and if not, why (``status`` 401/403, ``reason``)."""

    allowed: bool
    status: int = 200
    reason: str = ""


def covering_grants(user, port: OutputPort) -> QuerySet[AccessGrant]:
    """The user's live grants that cover the port: in person or through a consumer product of their
    domain (as ``granted_product_ids`` counts them), on that port or on all the product's ports."""
    held = Q(grantee=user) | Q(consumer_product__domain__memberships__user=user)
    return (live_grants().filter(held).filter(product_id=port.product_id)
            .filter(Q(port__isnull=True) | Q(port=port)).distinct())


def data_access(user, port: OutputPort) -> DataAccess:
    viewer = Viewer.of(user)
    if not viewer.authenticated:
        return DataAccess(False, 401, "Sign in to take data.")
    product = port.product
    if not viewer.reads(product):
        return DataAccess(False, 403, f"You may not read {product.identifier}'s data: ask for access.")
    if product.visibility == product.Visibility.RESTRICTED and not viewer.is_team(product):
        if not covering_grants(user, port).exists():
            return DataAccess(False, 403, f"{product.identifier} is restricted and no grant of yours covers "
                                          f"the port {port.name!r}: ask for access to it.")
    return DataAccess(True)


def served_by_meshport(port: OutputPort) -> bool:
    """File ports Meshport serves itself (download, sample); other ports are read on their platform."""
    return kind_for(port.server_type, port_kind=port.kind) == FILES


def masked_columns(user, port: OutputPort, *, team_unmasked: bool = True) -> set[str]:
    """The port's sensitive columns this user sees masked in a sample (``team_unmasked`` False: the
    domain team too, as on a page, which is read over shoulders and in screen shares)."""
    viewer = Viewer.of(user)
    sensitive = sensitive_columns(port)
    if not sensitive or (team_unmasked and viewer.is_team(port.product)):
        return set()
    roles = {g.role for g in covering_grants(user, port) if g.role}
    if not roles or port.contract is None:
        return sensitive
    unmasked: set[str] = set()
    for entry in contract_roles([port.contract]):
        if entry["role"] in roles:
            unmasked |= _unmasked_by(entry)
    return set() if "*" in unmasked else sensitive - unmasked


def _unmasked_by(role_entry: dict) -> set[str]:
    for prop in role_entry.get("customProperties") or []:
        if isinstance(prop, dict) and prop.get("property") == UNMASKED_PROPERTY:
            value = prop.get("value")
            return {"*"} if value == "*" else {str(v) for v in value} if isinstance(value, list) else set()
    return set()


def port_sample(port: OutputPort, user, *, limit: int, team_unmasked: bool = True) -> dict:
    """``{columns, masked, rows}``: the first ``limit`` rows of a port Meshport serves, sensitive values
    masked for this user. The caller has checked ``data_access``; raises ``ProfilingError`` when unreadable."""
    masked = masked_columns(user, port, team_unmasked=team_unmasked)
    with port_connection(port) as con:
        columns = [row[0] for row in con.execute(f"DESCRIBE {VIEW}").fetchall()]
        rows = run_query(con, f"SELECT * FROM {VIEW} LIMIT ?", params=[limit])  # noqa: S608 - our view
    hidden = {i for i, name in enumerate(columns) if name in masked}
    shown = [[MASK if i in hidden else json_safe(v) for i, v in enumerate(row)] for row in rows]
    return {"columns": columns, "masked": [columns[i] for i in sorted(hidden)], "rows": shown}


def grant_provisionings(grant: AccessGrant) -> QuerySet[Provisioning]:
    return Provisioning.objects.filter(grant=grant).order_by("pk")


# --- "Use it": connection snippets -------------------------------------------------------------------


def _sql_literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _sql_identifier(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def connection_snippets(port: OutputPort, user, *, base_url: str = "") -> dict[str, str]:
    """DuckDB, pandas and psql snippets filled in for the port and user ({} when they may not read it).

    File ports are read through Meshport's download endpoint with the user's API token (kept in
    ``$MESHPORT_TOKEN``, never written into the snippet); PostgreSQL ports on their own server, as
    the grantee's role. Other ports have no snippet: their platform says how.
    """
    if not data_access(user, port).allowed:
        return {}
    kind = kind_for(port.server_type, port_kind=port.kind)
    if kind == FILES:
        return _file_snippets(port, base_url)
    if kind == POSTGRES:
        return _postgres_snippets(port, user)
    return {}


def _file_snippets(port: OutputPort, base_url: str) -> dict[str, str]:
    url = f"{base_url.rstrip('/')}/api/products/{quote(port.product.identifier)}/ports/{quote(port.name, safe='')}/download/"
    fmt = (port.format or "csv").lower()
    duck_reader = {"parquet": "read_parquet", "jsonl": "read_json"}.get(fmt, "read_csv")
    pandas_reader = {"parquet": "read_parquet", "jsonl": "read_json"}.get(fmt, "read_csv")
    pandas_extra = ", lines=True" if fmt == "jsonl" else ""
    duckdb = (
        "-- DuckDB (httpfs): the token from your Meshport profile\n"
        "CREATE SECRET meshport (TYPE http, EXTRA_HTTP_HEADERS MAP {'Authorization': 'Token ' || getenv('MESHPORT_TOKEN')});\n"
        f"SELECT * FROM {duck_reader}({_sql_literal(url)}) LIMIT 20;"
    )
    pandas = (
        "import os\nimport pandas as pd\n\n"
        f"df = pd.{pandas_reader}({url!r}{pandas_extra},\n"
        "    storage_options={'Authorization': 'Token ' + os.environ['MESHPORT_TOKEN']})"
    )
    psql = (
        f"curl -sfH \"Authorization: Token $MESHPORT_TOKEN\" {shlex.quote(url)} -o {shlex.quote(port.name + '.' + fmt)}\n"
        f"# then, in psql: \\copy my_table FROM '{port.name}.{fmt}' WITH (FORMAT csv, HEADER)"
    )
    return {"duckdb": duckdb, "pandas": pandas, "psql": psql}


def _postgres_snippets(port: OutputPort, user) -> dict[str, str]:
    server = port.server or {}
    try:
        schema, table = table_of(port.location, server)
    except Refused:
        return {}
    host, number, database = str(server.get("host", "")), int(server.get("port") or 5432), str(server.get("database", ""))
    role = role_name(user.get_username())
    qualified = f"{_sql_identifier(schema)}.{_sql_identifier(table)}"
    conninfo = make_conninfo(host=host, port=number, dbname=database)
    duckdb = (
        f"ATTACH {_sql_literal(conninfo)} AS src (TYPE postgres, READ_ONLY);\n"
        f"SELECT * FROM src.{qualified} LIMIT 20;"
    )
    # Text for the user to run, not SQL we run: identifiers are quoted, values never enter it.
    select = "SELECT * FROM " + qualified  # noqa: S608
    set_role = "SET ROLE " + _sql_identifier(role)
    pandas = (
        "import pandas as pd\nimport psycopg\n\n"
        f"with psycopg.connect({conninfo!r}) as conn:\n"
        f"    conn.execute({set_role!r})\n"
        f"    df = pd.read_sql({select!r}, conn)"
    )
    statement = f"{set_role}; {select} LIMIT 20;"
    psql = f"psql {shlex.quote(conninfo)} -c {shlex.quote(statement)}"
    return {"duckdb": duckdb, "pandas": pandas, "psql": psql}

