"""Create the benchmark's PostgreSQL database when it is missing (benches own their databases)."""
from __future__ import annotations

from urllib.parse import urlparse


def ensure_database(url: str, *, fresh: bool = False) -> None:
    """``fresh``: drop it first (a bench that loads its own data; ``flush`` refuses to erase the audit log)."""
    if not url.startswith(("postgres://", "postgresql://")):
        return
    import psycopg
    from psycopg import sql

    parts = urlparse(url)
    name = parts.path.lstrip("/")
    admin = parts._replace(path="/postgres").geturl().replace("postgres://", "postgresql://", 1)
    with psycopg.connect(admin, autocommit=True) as conn:
        if fresh:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
