"""The OpenAPI document is valid OpenAPI 3 and describes the catalog endpoints and filters."""
import pytest
import yaml
from openapi_spec_validator import validate

pytestmark = pytest.mark.django_db


def test_schema_is_valid_openapi_3(api):
    response = api.get("/api/schema/")
    assert response.status_code == 200
    spec = yaml.safe_load(response.content)
    validate(spec)
    assert spec["openapi"].startswith("3.")


def test_schema_describes_products_with_filters_and_dotted_identifier(api):
    spec = yaml.safe_load(api.get("/api/schema/").content)
    listing = spec["paths"]["/api/products/"]["get"]
    params = {p["name"] for p in listing["parameters"]}
    assert {"domain", "tag", "status", "owner", "visibility", "has_pii", "ordering", "page", "page_size"} <= params
    assert "/api/products/{identifier}/" in spec["paths"]
    assert "/api/domains/{slug}/" in spec["paths"]
    detail = spec["components"]["schemas"]["ProductDetail"]["properties"]
    assert {"output_ports", "input_ports", "details_hidden", "slos", "team"} <= set(detail)
