"""The domains read API: team and the number of products the caller may see."""
import pytest

from tests.catalog.mesh_for_reads import build_mesh

pytestmark = pytest.mark.django_db


@pytest.fixture
def mesh(make_user):
    return build_mesh(make_user)


def domains(api, user):
    api.force_authenticate(user)
    body = api.get("/api/domains/").json()
    assert set(body) == {"count", "next", "previous", "results"}
    return {d["slug"]: d for d in body["results"]}


def test_domain_list_counts_only_products_the_caller_sees(api, mesh):
    assert domains(api, None)["sales"]["product_count"] == 2
    assert domains(api, None)["finance"]["product_count"] == 0  # revenue is internal, the rest draft/retired
    assert domains(api, mesh.users.consumer)["finance"]["product_count"] == 1
    assert domains(api, mesh.users.bob)["sales"]["product_count"] == 3  # with its own draft
    assert domains(api, mesh.users.steward)["finance"]["product_count"] == 2  # retired never counted


def test_domain_list_names_the_team(api, mesh):
    sales = domains(api, mesh.users.consumer)["sales"]
    assert sales["owners"] == ["alice"]
    assert sales["members"] == ["bob"]
    assert sales["name"] == "Sales"
    assert sales["description"] == "Orders and *customers*."
    assert sales["url"].endswith("/domains/sales/")
    assert sales["api_url"].endswith("/api/domains/sales/")


def test_domain_detail_and_404(api, mesh):
    body = api.get("/api/domains/finance/").json()
    assert body["slug"] == "finance"
    assert body["owners"] == ["carol"]
    assert api.get("/api/domains/nowhere/").status_code == 404
