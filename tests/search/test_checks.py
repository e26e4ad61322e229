"""A misconfigured search backend is reported by ``manage.py check``, by name."""
from django.core import checks


def test_a_bad_backend_path_is_an_error(settings):
    settings.SEARCH_BACKENDS = {"default": {"BACKEND": "search.backends.nope.Backend"}}
    errors = [e for e in checks.run_checks(tags=["search"]) if e.id == "search.E001"]
    assert errors
    assert "SEARCH_BACKENDS['default']" in errors[0].msg


def test_elasticsearch_without_url_is_an_error(settings):
    settings.SEARCH_BACKENDS = {"default": {"BACKEND": "search.backends.elasticsearch.ElasticsearchBackend"}}
    assert [e.id for e in checks.run_checks(tags=["search"])] == ["search.E002"]


def test_the_default_configuration_passes():
    assert checks.run_checks(tags=["search"]) == []
