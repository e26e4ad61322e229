"""File ports: provisioned at once by Meshport itself; the grantee downloads and samples the port, others may not."""
from __future__ import annotations

from governance.access.models import AccessEvent
from governance.access.provisioning.models import Provisioning


def download(api, mesh, port_name="orders"):
    return api.get(f"/api/products/{mesh.product.identifier}/ports/{port_name}/download/")


def sample(api, mesh, **params):
    return api.get(f"/api/products/{mesh.product.identifier}/ports/orders/sample/", params)


def test_a_grant_opens_the_download_and_a_revoke_closes_it(mesh, grant_flow, as_user):
    api = as_user(mesh.consumer)
    assert download(api, mesh).status_code == 403
    request = grant_flow.ask(mesh.consumer, mesh.product, mesh.port)
    assert download(as_user(mesh.consumer), mesh).status_code == 403  # pending: nothing yet

    grant = grant_flow.approve(request, mesh.owner)
    row = Provisioning.objects.get(grant=grant)
    assert (row.provisioner, row.state, row.reference) == ("files", "provisioned", "meshport")
    answer = download(as_user(mesh.consumer), mesh)
    assert answer.status_code == 200
    assert b"".join(answer.streaming_content).decode() == mesh.path.read_text()
    assert 'filename="orders.csv"' in answer["Content-Disposition"]

    grant_flow.revoke(grant, mesh.owner)
    row.refresh_from_db()
    assert (row.action, row.state) == ("deprovision", "deprovisioned")
    assert download(as_user(mesh.consumer), mesh).status_code == 403
    steps = list(request.history.filter(kind__contains="provision").values_list("kind", flat=True))
    assert steps == [AccessEvent.Kind.PROVISIONING, AccessEvent.Kind.PROVISIONED,
                     AccessEvent.Kind.DEPROVISIONING, AccessEvent.Kind.DEPROVISIONED]


def test_a_grant_on_another_port_opens_nothing_here(mesh, grant_flow, as_user):
    from catalog.models import OutputPort

    other = OutputPort.objects.create(product=mesh.product, name="refunds", version="1.0.0", format="csv",
                                      location=str(mesh.path.with_name("refunds.csv")), server_type="local")
    mesh.path.with_name("refunds.csv").write_text("id\n1\n")
    grant_flow.approve(grant_flow.ask(mesh.consumer, mesh.product, other), mesh.owner)
    api = as_user(mesh.consumer)
    assert download(api, mesh, "refunds").status_code == 200
    refused = download(api, mesh, "orders")
    assert refused.status_code == 403
    assert "no grant of yours covers the port 'orders'" in refused.json()["detail"]


def test_anonymous_callers_get_401_and_unknown_ports_404(mesh, as_user):
    assert download(as_user(None), mesh).status_code == 401
    assert download(as_user(mesh.owner), mesh, "nope").status_code == 404


def test_the_domain_team_downloads_without_a_grant_and_public_products_need_none(mesh, make_user, as_user):
    assert download(as_user(mesh.owner), mesh).status_code == 200
    mesh.product.visibility = "public"
    mesh.product.save()
    assert download(as_user(make_user("otto")), mesh).status_code == 200


def test_the_sample_masks_personal_columns_for_grantees_but_not_for_the_team(mesh, grant_flow, as_user):
    grant_flow.approve(grant_flow.ask(mesh.consumer, mesh.product, mesh.port), mesh.owner)
    seen = sample(as_user(mesh.consumer), mesh, rows=5).json()
    assert seen["columns"] == ["id", "email", "amount"]
    assert seen["masked"] == ["email"]
    assert len(seen["rows"]) == 5
    assert {row[1] for row in seen["rows"]} == {"•••"}
    assert all(row[0] in range(1, 31) and row[2] == row[0] * 2.5 for row in seen["rows"])  # the rest is real

    team = sample(as_user(mesh.owner), mesh).json()
    assert team["masked"] == []
    assert len(team["rows"]) == 20
    assert all(row[1].endswith("@example.org") for row in team["rows"])


def test_a_role_the_contract_unmasks_shows_those_columns(mesh, grant_flow, as_user):
    from catalog.models import Contract

    roles = [{"role": "billing", "access": "read", "firstLevelApprovers": "olga",
              "customProperties": [{"property": "unmaskedColumns", "value": ["email"]}]}]
    mesh.port.contract = Contract.objects.create(
        external_id="c-orders", version="1.0.0", domain=mesh.domain,
        document={"apiVersion": "v3.1.0", "kind": "DataContract", "id": "c-orders", "version": "1.0.0",
                  "status": "active", "roles": roles})
    mesh.port.save()
    grant_flow.approve(grant_flow.ask(mesh.consumer, mesh.product, mesh.port, role="billing"), mesh.owner)
    seen = sample(as_user(mesh.consumer), mesh).json()
    assert seen["masked"] == []
    assert seen["rows"][0][1].endswith("@example.org")


def test_sample_rows_out_of_range_are_400_naming_rows(mesh, as_user):
    for bad in ("0", "101", "ten"):
        answer = sample(as_user(mesh.owner), mesh, rows=bad)
        assert answer.status_code == 400
        [error] = answer.json()["errors"]
        assert error["path"] == "rows"
        assert "from 1 to 100" in error["message"]


def test_connection_snippets_for_a_file_port_use_the_download_endpoint(mesh, grant_flow, make_user):
    from governance.access.provisioning.selectors import connection_snippets

    assert connection_snippets(mesh.port, mesh.consumer) == {}  # restricted, no grant yet
    grant_flow.approve(grant_flow.ask(mesh.consumer, mesh.product, mesh.port), mesh.owner)
    grantee = type(mesh.consumer).objects.get(pk=mesh.consumer.pk)  # a new request's user: no cached viewer
    snippets = connection_snippets(mesh.port, grantee, base_url="https://mesh.example.com/")
    url = f"https://mesh.example.com/api/products/{mesh.product.identifier}/ports/orders/download/"
    assert f"read_csv('{url}')" in snippets["duckdb"]
    assert f"pd.read_csv('{url}'" in snippets["pandas"]
    assert "MESHPORT_TOKEN" in snippets["pandas"]
    assert url in snippets["psql"]
    assert connection_snippets(mesh.port, make_user("otto")) == {}


def test_the_product_pages_use_it_panel_shows_a_masked_sample_only_to_who_may_read(mesh, grant_flow, client):
    path = f"/products/{mesh.product.identifier}/?tab=access"
    client.force_login(mesh.consumer)
    before = client.get(path).content.decode()
    assert "sample__table" not in before
    assert "Request access to this port" in before
    grant_flow.approve(grant_flow.ask(mesh.consumer, mesh.product, mesh.port), mesh.owner)
    after = client.get(path).content.decode()
    assert "Sample: first 20 rows (email masked)" in after
    assert "@example.org" not in after
    assert "•••" in after
    assert f"/api/products/{mesh.product.identifier}/ports/{mesh.port.name}/download/" in after
    client.force_login(mesh.owner)  # a page is read over shoulders: masked for the team too (the API is not)
    assert "@example.org" not in client.get(path).content.decode()
