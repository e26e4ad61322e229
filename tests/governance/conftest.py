"""Governance fixtures: a DuckDB connection with a ``port_data`` view, and contract builders."""
import duckdb
import pytest


@pytest.fixture
def port_db():
    """An in-memory DuckDB whose ``port_data`` view holds 10 customers with known defects."""
    con = duckdb.connect(":memory:")
    con.execute(
        """
        CREATE TABLE customers AS SELECT * FROM (VALUES
          (1, 'a@x.io', 'active', 'DE', TIMESTAMP '2026-11-20 10:00:00'),
          (2, NULL,     'active', 'FR', TIMESTAMP '2026-11-20 11:00:00'),
          (3, 'c@x.io', 'closed', 'N/A', TIMESTAMP '2026-11-19 09:00:00'),
          (4, 'bad',    'frozen', '',    TIMESTAMP '2026-11-18 09:00:00'),
          (5, 'e@x.io', 'active', 'DE', NULL),
          (5, 'e@x.io', 'active', 'DE', NULL),
          (7, 'g@x.io', 'active', 'IT', TIMESTAMP '2026-11-17 09:00:00'),
          (8, 'h@x.io', 'closed', 'null', TIMESTAMP '2026-11-16 09:00:00'),
          (9, NULL,     'active', 'ES', TIMESTAMP '2026-11-15 09:00:00'),
          (10,'j@x.io', 'active', 'PT', TIMESTAMP '2026-11-14 09:00:00')
        ) AS t(id, email, status, country, updated_at)
        """
    )
    con.execute("CREATE VIEW port_data AS SELECT * FROM customers")
    yield con
    con.close()


def contract(*, object_quality=(), properties=(), name="customers", sla=()):
    """An ODCS document with one schema object; ``properties`` are (name, logicalType, quality)."""
    return {
        "apiVersion": "v3.1.0",
        "kind": "DataContract",
        "id": "c-1",
        "version": "1.0.0",
        "status": "active",
        "schema": [
            {
                "name": name,
                "quality": list(object_quality),
                "properties": [
                    {"name": n, "logicalType": t, "quality": list(q)} for n, t, q in properties
                ],
            }
        ],
        "slaProperties": list(sla),
    }
