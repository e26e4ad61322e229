"""The search models left catalog by state only: databases of every earlier main upgrade in place."""
from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from search.models import SearchEntry, SearchFacet, SearchTerm

# The main that added the placeholders (735bfdb): catalog 0009/0010 applied, empty; no search or
# profiling app yet.
PLACEHOLDERS = ("catalog", "0010_profiling_models_to_profiling_app")

pytestmark = pytest.mark.django_db(transaction=True)


def _to_latest() -> None:
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


def test_the_models_keep_catalogs_tables():
    assert [m._meta.db_table for m in (SearchEntry, SearchFacet, SearchTerm)] == [
        "catalog_searchentry", "catalog_searchfacet", "catalog_searchterm"]
    assert {m._meta.app_label for m in (SearchEntry, SearchFacet, SearchTerm)} == {"search"}


def test_a_database_with_the_placeholders_applied_upgrades_and_keeps_its_permissions():
    content_type = ContentType.objects.get_for_model(SearchEntry)
    permission = Permission.objects.get(content_type=content_type, codename="view_searchentry")
    try:
        MigrationExecutor(connection).migrate([("search", None), ("profiling", None)])
        executor = MigrationExecutor(connection)
        assert PLACEHOLDERS in executor.loader.applied_migrations
        assert ContentType.objects.get(pk=content_type.pk).app_label == "catalog"  # as that main had it

        executor.loader.check_consistent_history(connection)  # what `migrate` checks first
        _to_latest()
    finally:
        _to_latest()
    ContentType.objects.clear_cache()
    assert ContentType.objects.get(pk=content_type.pk).app_label == "search"
    assert Permission.objects.get(pk=permission.pk).content_type_id == content_type.pk
    assert not ContentType.objects.filter(app_label="catalog", model="searchentry").exists()
