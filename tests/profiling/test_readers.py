"""port_connection: the port's data as ``port_data``, and nothing else readable from SQL."""
import sqlite3

import pytest

from profiling.errors import LocationRefused, QueryRefused, QueryTimeout, SourceUnavailable
from profiling.readers import port_connection, run_query

from .conftest import write_csv


def test_port_data_is_the_ports_file(make_port, orders_csv):
    with port_connection(make_port(orders_csv)) as con:
        assert run_query(con, "SELECT count(*), count(DISTINCT country) FROM port_data") == [(200, 3)]


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT * FROM read_csv('/etc/passwd')",
        "SELECT * FROM read_text('/etc/hostname')",
        "SELECT * FROM glob('/*')",
    ],
)
def test_a_rule_cannot_read_another_file(make_port, orders_csv, sql):
    with port_connection(make_port(orders_csv)) as con, pytest.raises(QueryRefused, match="Permission"):
        run_query(con, sql)


def test_a_rule_cannot_read_a_sibling_file_inside_the_data_root(make_port, orders_csv, data_root):
    secret = write_csv(data_root / "salaries.csv", ["name", "salary"], [["ann", 1]])
    with port_connection(make_port(orders_csv)) as con, pytest.raises(QueryRefused):
        run_query(con, f"SELECT * FROM '{secret}'")


@pytest.mark.parametrize(
    "sql",
    [
        "COPY (SELECT 1) TO '/tmp/meshport-out.csv'",
        "SET enable_external_access = true",
        "ATTACH '/tmp/other.duckdb'",
        "SELECT 1; SELECT 2",
        "DROP VIEW port_data",
    ],
)
def test_a_rule_is_one_select_and_cannot_unlock_the_connection(make_port, orders_csv, sql):
    with port_connection(make_port(orders_csv)) as con:
        with pytest.raises(QueryRefused):
            run_query(con, sql)
        with pytest.raises(Exception, match="configuration|Permission"):
            con.execute("SET enable_external_access = true")


def test_a_slow_rule_is_interrupted_at_its_time_limit(make_port, orders_csv):
    with port_connection(make_port(orders_csv)) as con, pytest.raises(QueryTimeout, match="time limit"):
        run_query(con, "SELECT count(*) FROM range(100000000000) a", seconds=0.3)


def test_a_location_outside_the_roots_never_opens(make_port):
    with pytest.raises(LocationRefused, match="outside the configured data roots"), port_connection(
        make_port("/etc/passwd")
    ):
        pass


def test_sqlite_table_port(make_port, data_root):
    path = data_root / "shop.sqlite3"
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE customers (id INTEGER, name TEXT, score REAL)")
    db.executemany("INSERT INTO customers VALUES (?, ?, ?)", [(i, f"c{i}", i / 2) for i in range(120_000)])
    db.commit()
    db.close()
    port = make_port("main.customers", fmt="table", kind="table", server_type="sqlite", server={"path": str(path)})
    with port_connection(port) as con:
        assert run_query(con, "SELECT count(*), max(score), min(name) FROM port_data") == [(120_000, 59999.5, "c0")]


def test_sqlite_database_outside_the_roots_is_refused(make_port):
    port = make_port("t", fmt="table", kind="table", server_type="sqlite", server={"path": "/var/lib/other.db"})
    with pytest.raises(LocationRefused), port_connection(port):
        pass


def test_sqlite_missing_table(make_port, data_root):
    path = data_root / "empty.sqlite3"
    sqlite3.connect(path).execute("CREATE TABLE t (a INTEGER)").connection.close()
    port = make_port("nope", fmt="table", kind="table", server_type="sqlite", server={"path": str(path)})
    with pytest.raises(Exception, match="cannot read table 'nope'"), port_connection(port):
        pass


def test_postgres_host_outside_the_allow_list_is_refused(make_port):
    port = make_port("sales.t", fmt="table", kind="table", server_type="postgres",
                     server={"host": "10.1.2.3", "database": "x"})
    with pytest.raises(LocationRefused, match="MESHPORT_SQL_HOSTS"), port_connection(port):
        pass


@pytest.mark.postgres
def test_postgres_table_port_streams_rows(make_port):
    import psycopg

    admin = psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True)
    admin.execute("DROP DATABASE IF EXISTS meshport_profiling_source")
    admin.execute("CREATE DATABASE meshport_profiling_source")
    admin.close()
    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/meshport_profiling_source") as conn:
        conn.execute("CREATE SCHEMA sales")  # the product's domain: its tables are that schema's
        conn.execute("CREATE TABLE sales.orders AS SELECT g AS id, 'x' || g AS code, g * 1.5 AS amount, "
                     "now() AS at FROM generate_series(1, 70000) g")
    port = make_port("sales.orders", fmt="table", kind="table", server_type="postgres",
                     server={"type": "postgres", "host": "127.0.0.1", "port": 5432,
                             "database": "meshport_profiling_source"})
    with port_connection(port) as con:
        assert run_query(con, "SELECT count(*), max(id) FROM port_data") == [(70000, 70000)]
    missing = make_port("sales.nope", fmt="table", kind="table", server_type="postgres",
                        server={"host": "127.0.0.1", "database": "meshport_profiling_source"})
    with pytest.raises(SourceUnavailable, match="does not exist"), port_connection(missing):
        pass


def test_postgres_tables_of_another_schema_are_read_only_where_the_domain_is_given_them(make_port, settings):
    port = make_port("finance.payments", fmt="table", kind="table", server_type="postgres",
                     server={"type": "postgres", "host": "127.0.0.1", "port": 5432, "database": "dwh"})
    with pytest.raises(LocationRefused, match="not in the sales schema"), port_connection(port):
        pass

    settings.MESHPORT_DOMAIN_LOCATIONS = {"sales": ["postgres://127.0.0.1:5432/dwh/finance.payments"]}
    with pytest.raises(SourceUnavailable), port_connection(port):  # allowed now: on to the (missing) database
        pass


def test_duckdb_table_port_sees_only_its_own_table(make_port, data_root):
    import duckdb

    path = data_root / "warehouse.duckdb"
    db = duckdb.connect(str(path))
    db.execute("CREATE SCHEMA sales")
    db.execute("CREATE TABLE sales.revenue AS SELECT range AS day, range * 2 AS cents FROM range(1000)")
    db.execute("CREATE TABLE sales.salaries AS SELECT 'ann' AS name, 1 AS salary")
    db.close()
    port = make_port("sales.revenue", fmt="table", kind="table", server_type="duckdb",
                     server={"type": "duckdb", "database": str(path), "schema": "sales"})
    with port_connection(port) as con:
        assert run_query(con, "SELECT count(*), max(cents) FROM port_data") == [(1000, 1998)]
        with pytest.raises(Exception, match="salaries|port_source|Permission"):
            run_query(con, "SELECT * FROM port_source.sales.salaries")
        with pytest.raises(QueryRefused):
            run_query(con, f"SELECT * FROM read_parquet('{path}')")
