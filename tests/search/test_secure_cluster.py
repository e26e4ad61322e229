"""Meshport connects to a secured cluster (TLS under its own CA, an API key) from the environment,
and ``manage.py check`` says clearly when the key is wrong or the CA unknown."""
from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.core import checks

from search.types import SearchRequest
from tests.search.conftest import index_all
from tests.search.secure_proxy import SecureProxy

ROOT = Path(__file__).resolve().parents[2]
API_KEY = "meshport-key:s3cret-v4lue"


@pytest.fixture(scope="module")
def secured(elasticsearch_url, tmp_path_factory):
    with SecureProxy(elasticsearch_url, tmp_path_factory.mktemp("tls"), API_KEY) as proxy:
        yield proxy


def manage_check(proxy: SecureProxy, **env) -> subprocess.CompletedProcess:
    """``manage.py check`` in a fresh process, configured only by the environment (production settings)."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("ELASTICSEARCH_", "DJANGO_SETTINGS"))}
    environment |= {"DJANGO_SETTINGS_MODULE": "meshport.settings.base", "DEBUG": "true",
                    "ELASTICSEARCH_URL": proxy.url, "ELASTICSEARCH_CA_CERTS": str(proxy.ca_file), **env}
    return subprocess.run([sys.executable, "manage.py", "check"], cwd=ROOT, env=environment,  # noqa: S603
                          capture_output=True, text=True, timeout=120)


def secured_options(proxy: SecureProxy, **options) -> dict:
    return {"BACKEND": "search.backends.elasticsearch.ElasticsearchBackend", "URL": proxy.url,
            "INDEX": f"secure-{uuid.uuid4().hex[:8]}", "API_KEY": API_KEY, "CA_CERTS": str(proxy.ca_file),
            "INDEX_SETTINGS": {"number_of_shards": 1, "number_of_replicas": 0}, **options}


def test_manage_check_connects_with_the_ca_file_and_api_key_from_the_environment(secured):
    before = secured.accepted
    done = manage_check(secured, ELASTICSEARCH_API_KEY=API_KEY)
    assert done.returncode == 0, done.stderr
    assert "System check identified no issues" in done.stdout
    assert secured.accepted > before  # it did reach the cluster, through TLS, with the key


def test_a_wrong_api_key_is_a_clear_error_of_manage_check(secured):
    done = manage_check(secured, ELASTICSEARCH_API_KEY="meshport-key:wrong")
    assert done.returncode != 0
    assert "search.E003" in done.stderr
    assert f"Elasticsearch at {secured.url} rejected the credentials (401)" in done.stderr
    assert "ELASTICSEARCH_API_KEY" in done.stderr


def test_an_unknown_ca_is_a_clear_error(secured, settings):
    settings.SEARCH_BACKENDS = {"default": secured_options(secured, CA_CERTS="")}
    errors = [e for e in checks.run_checks(tags=["search"]) if e.id == "search.E003"]
    assert len(errors) == 1
    assert "TLS verification failed" in errors[0].msg
    assert "ELASTICSEARCH_CA_CERTS" in errors[0].msg


def test_search_works_through_tls_and_the_api_key(secured, settings, small_mesh):
    settings.SEARCH_BACKENDS = {"default": secured_options(secured)}
    from search.backends import get_backend

    backend = get_backend()
    try:
        assert checks.run_checks(tags=["search"]) == []
        index_all(backend)
        hits = backend.query(SearchRequest(text="customer orders")).hits
        assert hits[0].identifier == "sales.orders"
        assert backend.admin.indices.get_settings(index=backend.alias)  # the maintenance client is secured too
    finally:
        backend.drop()
