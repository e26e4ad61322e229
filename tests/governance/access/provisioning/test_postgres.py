"""The PostgreSQL provisioner against a real server: the grantee's role reads the port's table only while granted.

A scratch database on 127.0.0.1:5432 holds the port's table in the domain's schema; reads run as
``SET ROLE <grantee's role>``. A PostgreSQL that cannot be reached fails these tests, saying so: they never skip.
"""
from __future__ import annotations

import uuid
from datetime import timedelta

import psycopg
import pytest
from psycopg import sql

from catalog.models import OutputPort
from governance.access.provisioning.models import Provisioning
from governance.access.provisioning.postgres import role_name
from governance.access.provisioning.selectors import connection_snippets
from governance.access.provisioning.services import provisioning_sweep

pytestmark = pytest.mark.postgres
SERVER = {"host": "127.0.0.1", "port": 5432, "user": "postgres"}


def connect(dbname="postgres", **options):
    try:
        return psycopg.connect(**SERVER, dbname=dbname, connect_timeout=3, **options)
    except psycopg.OperationalError as exc:
        pytest.fail(f"The PostgreSQL provisioner tests need a server at 127.0.0.1:5432 (user postgres): {exc}",
                    pytrace=False)


@pytest.fixture
def scratch(mesh, settings):
    """A scratch database with ``<domain>.orders`` (3 rows); dropped with the roles it saw afterwards."""
    settings.MESHPORT_PROVISIONER_POSTGRES_USER, settings.MESHPORT_PROVISIONER_POSTGRES_PASSWORD = "postgres", ""
    settings.MESHPORT_SQL_HOSTS = ["127.0.0.1"]
    name = f"meshport_prov_{uuid.uuid4().hex[:8]}"
    with connect(autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    schema = mesh.domain.slug
    with connect(name) as db:
        db.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
        db.execute(sql.SQL("CREATE TABLE {}.orders (id int, amount numeric)").format(sql.Identifier(schema)))
        db.execute(sql.SQL("INSERT INTO {}.orders VALUES (1, 2.5), (2, 5), (3, 7.5)").format(sql.Identifier(schema)))
    roles = []
    yield name, schema, roles
    with connect(autocommit=True) as admin:
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        for role in roles:
            admin.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(role)))


@pytest.fixture
def table_port(mesh, scratch):
    name, schema, _ = scratch
    return OutputPort.objects.create(product=mesh.product, name="orders_db", version="1.0.0", kind="table",
                                     format="table", location=f"{schema}.orders", server_type="postgres",
                                     server={"type": "postgres", "host": "127.0.0.1", "port": 5432,
                                             "database": name, "schema": schema})


def read_as(role: str, database: str, schema: str):
    """Rows of the table read as the role, or the PostgreSQL error that refused it."""
    with connect(database) as db:
        try:
            db.execute(sql.SQL("SET ROLE {}").format(sql.Identifier(role)))
            return db.execute(sql.SQL("SELECT count(*) FROM {}.orders").format(sql.Identifier(schema))).fetchone()[0]
        except psycopg.errors.InsufficientPrivilege as exc:
            return exc


def test_the_grantees_role_reads_after_approval_and_not_after_revoke(mesh, scratch, table_port, grant_flow,
                                                                     make_user):
    database, schema, roles = scratch
    consumer = make_user(f"Carol.{uuid.uuid4().hex[:6]}")  # a username the role name must make safe
    role = role_name(consumer.username)
    roles.append(role)
    assert role.startswith("meshport_carol_")
    assert role.replace("_", "").isalnum()
    with connect(autocommit=True) as admin:  # the role exists before: the refusal is about privileges
        admin.execute(sql.SQL("CREATE ROLE {} NOLOGIN").format(sql.Identifier(role)))
    assert isinstance(read_as(role, database, schema), psycopg.errors.InsufficientPrivilege)

    request = grant_flow.ask(consumer, mesh.product, table_port)
    assert isinstance(read_as(role, database, schema), psycopg.errors.InsufficientPrivilege)  # pending

    grant = grant_flow.approve(request, mesh.owner)
    row = Provisioning.objects.get(grant=grant)
    assert (row.provisioner, row.state) == ("postgres", "provisioned")
    assert row.reference == f"postgres://127.0.0.1:5432/{database}/{schema}.orders#{role}"
    assert read_as(role, database, schema) == 3

    grant_flow.revoke(grant, mesh.owner)
    row.refresh_from_db()
    assert (row.action, row.state) == ("deprovision", "deprovisioned")
    assert isinstance(read_as(role, database, schema), psycopg.errors.InsufficientPrivilege)


def test_a_missing_role_is_created_nologin(mesh, scratch, table_port, grant_flow):
    database, schema, roles = scratch
    roles.append(role_name(mesh.consumer.username))
    grant_flow.approve(grant_flow.ask(mesh.consumer, mesh.product, table_port), mesh.owner)
    with connect() as admin:
        can_login = admin.execute("SELECT rolcanlogin FROM pg_roles WHERE rolname = %s", [roles[0]]).fetchone()
    assert can_login == (False,)
    assert read_as(roles[0], database, schema) == 3


def test_a_failure_keeps_the_grant_says_why_and_is_retried(mesh, scratch, table_port, grant_flow,
                                                          django_capture_on_commit_callbacks):
    database, schema, roles = scratch
    roles.append(role_name(mesh.consumer.username))
    with connect(database, autocommit=True) as db:
        db.execute(sql.SQL("ALTER TABLE {}.orders RENAME TO orders_old").format(sql.Identifier(schema)))
    grant = grant_flow.approve(grant_flow.ask(mesh.consumer, mesh.product, table_port), mesh.owner)
    row = Provisioning.objects.get(grant=grant)
    assert row.state == "failed"
    assert "does not exist" in row.diagnostics
    assert grant.state == "active"

    with connect(database, autocommit=True) as db:
        db.execute(sql.SQL("ALTER TABLE {}.orders_old RENAME TO orders").format(sql.Identifier(schema)))
    assert provisioning_sweep() == []  # not yet due
    with django_capture_on_commit_callbacks(execute=True):
        assert provisioning_sweep(now=row.next_attempt_at + timedelta(seconds=1)) == [row.pk]
    row.refresh_from_db()
    assert row.state == "provisioned"
    assert row.attempts == 2
    assert read_as(roles[0], database, schema) == 3


def test_connection_snippets_name_the_server_table_and_role(mesh, table_port, make_user):
    snippets = connection_snippets(table_port, mesh.owner)
    database, schema = table_port.server["database"], table_port.server["schema"]
    assert f'SET ROLE "{role_name("olga")}"' in snippets["psql"]
    assert f"dbname={database}" in snippets["psql"]
    assert f'"{schema}"."orders"' in snippets["duckdb"]
    assert "pd.read_sql" in snippets["pandas"]
    assert connection_snippets(table_port, make_user("otto")) == {}  # restricted, no grant: nothing to show


def test_a_renewal_keeps_select_when_the_old_grant_expires(mesh, scratch, table_port, grant_flow,
                                                           django_capture_on_commit_callbacks):
    from django.utils import timezone

    from governance.access import services as access

    database, schema, roles = scratch
    role = role_name(mesh.consumer.username)
    roles.append(role)
    now = timezone.now()
    first = grant_flow.ask(mesh.consumer, mesh.product, table_port)
    with django_capture_on_commit_callbacks(execute=True):
        access.access_request_approve(request=first, actor=mesh.owner, valid_until=now + timedelta(days=3))
    renewed = grant_flow.approve(grant_flow.ask(mesh.consumer, mesh.product, table_port), mesh.owner)

    with django_capture_on_commit_callbacks(execute=True):
        assert access.access_grants_expire(now=now + timedelta(days=4)) == [first.grants.get().pk]
    old = Provisioning.objects.get(grant=first.grants.get())
    assert (old.state, old.diagnostics) == ("deprovisioned", f"kept: grant {renewed.pk} still covers this port")
    assert read_as(role, database, schema) == 3  # the renewal still reads

    grant_flow.revoke(renewed, mesh.owner)
    assert isinstance(read_as(role, database, schema), psycopg.errors.InsufficientPrivilege)
