"""PostgreSQL ports: ``GRANT SELECT`` on the port's table to a role for the grantee, ``REVOKE`` when it ends.

The role is ``<MESHPORT_PROVISIONER_ROLE_PREFIX><username>`` made safe (lower-case letters, digits
and ``_``; a short hash of the username is added whenever that changed it, so two usernames never
share a role), created ``NOLOGIN`` unless ``MESHPORT_PROVISIONER_ROLE_LOGIN`` is on: whoever
connects as the grantee is then given the role (``GRANT meshport_ana TO ana``) or uses
``SET ROLE``. Identifiers are quoted by ``psycopg.sql``, never formatted into SQL.

The connection goes to the port's own server (host, port and database of its ODCS server entry),
only to hosts in ``MESHPORT_SQL_HOSTS``: the entry is user input, and the provisioner's
credentials must not be sent to a server a descriptor names.
"""
from __future__ import annotations

import hashlib
import re

from django.conf import settings

from governance.access.provisioning.base import POSTGRES, Outcome, Provisioner, Target, TransientError

MAX_IDENTIFIER = 63  # PostgreSQL's NAMEDATALEN - 1


class Refused(ValueError):
    """The target cannot be provisioned as it stands (a bad location, a host not allowed)."""


def role_name(username: str) -> str:
    """The database role of a Meshport user: prefixed, lower-case, [a-z0-9_], at most 63 bytes."""
    prefix = settings.MESHPORT_PROVISIONER_ROLE_PREFIX
    cleaned = re.sub(r"[^a-z0-9_]", "_", username.lower())
    if cleaned != username or len(prefix) + len(cleaned) > MAX_IDENTIFIER:
        digest = hashlib.sha256(username.encode()).hexdigest()[:8]
        cleaned = f"{cleaned[:MAX_IDENTIFIER - len(prefix) - 9]}_{digest}"
    return prefix + cleaned


def table_of(location: str, server: dict) -> tuple[str, str]:
    """(schema, table) of a port: ``schema.table`` in the location, else the server entry's schema."""
    parts = [p.strip().strip('"') for p in (location or "").split(".") if p.strip()]
    if not parts or len(parts) > 2:
        raise Refused(f"table location {location!r} must be 'table' or 'schema.table'")
    if len(parts) == 2:
        return parts[0], parts[1]
    return str(server.get("schema") or "public"), parts[0]


def connection_settings(server: dict) -> dict:
    host = str(server.get("host") or "")
    if host not in settings.MESHPORT_SQL_HOSTS:
        raise Refused(f"PostgreSQL host {host!r} is not in MESHPORT_SQL_HOSTS")
    if not server.get("database"):
        raise Refused("the port's server entry names no database")
    return {
        "host": host, "port": int(server.get("port") or 5432), "dbname": str(server["database"]),
        "user": settings.MESHPORT_PROVISIONER_POSTGRES_USER,
        "password": settings.MESHPORT_PROVISIONER_POSTGRES_PASSWORD or None,
        "connect_timeout": 5, "application_name": "meshport-provisioner",
    }


class PostgresProvisioner(Provisioner):
    name = POSTGRES
    shared_privileges = True  # SELECT is held by the grantee's role, whichever grant gave it

    def provision(self, target: Target) -> Outcome:
        from psycopg import sql

        schema, table = table_of(target.location, target.server)
        with self._connect(target) as conn, conn.transaction():
            self._ensure_role(conn, target.role)
            role = sql.Identifier(target.role)
            conn.execute(sql.SQL("GRANT USAGE ON SCHEMA {} TO {}").format(sql.Identifier(schema), role))
            conn.execute(sql.SQL("GRANT SELECT ON TABLE {}.{} TO {}").format(
                sql.Identifier(schema), sql.Identifier(table), role))
        return Outcome("provisioned", self._reference(target, schema, table),
                       f"{target.role} may read {schema}.{table}")

    def deprovision(self, target: Target) -> Outcome:
        from psycopg import sql

        schema, table = table_of(target.location, target.server)
        with self._connect(target) as conn, conn.transaction():
            if not self._role_exists(conn, target.role):
                return Outcome("deprovisioned", "", f"role {target.role} does not exist: nothing to revoke")
            # USAGE on the schema stays: other grants of the same role may need it, and it reads nothing.
            conn.execute(sql.SQL("REVOKE SELECT ON TABLE {}.{} FROM {}").format(
                sql.Identifier(schema), sql.Identifier(table), sql.Identifier(target.role)))
        return Outcome("deprovisioned", self._reference(target, schema, table),
                       f"{target.role} may no longer read {schema}.{table}")

    @staticmethod
    def _reference(target: Target, schema: str, table: str) -> str:
        s = target.server
        return f"postgres://{s.get('host')}:{s.get('port') or 5432}/{s.get('database')}/{schema}.{table}#{target.role}"

    @staticmethod
    def _connect(target: Target):
        import psycopg

        try:
            return psycopg.connect(**connection_settings(target.server))
        except psycopg.OperationalError as exc:
            raise TransientError(f"cannot connect to PostgreSQL at {target.server.get('host')}: "
                                 f"{str(exc).strip()[:200]}") from exc

    @staticmethod
    def _role_exists(conn, role: str) -> bool:
        return conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role]).fetchone() is not None

    def _ensure_role(self, conn, role: str) -> None:
        import psycopg
        from psycopg import sql

        if self._role_exists(conn, role):
            return
        login = sql.SQL("LOGIN" if settings.MESHPORT_PROVISIONER_ROLE_LOGIN else "NOLOGIN")
        try:
            with conn.transaction():  # a savepoint: another grant may create the same role meanwhile
                conn.execute(sql.SQL("CREATE ROLE {} {}").format(sql.Identifier(role), login))
        except psycopg.errors.DuplicateObject:
            pass
