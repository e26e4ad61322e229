"""GET /api/products/<id>/profile/, triggering a run, run detail, PII decisions, and the page panel."""
import pytest
from django.test import RequestFactory

from catalog.models import DataProduct, DomainMembership
from profiling.models import PiiSuggestion
from profiling.panel import render_panel


@pytest.fixture
def profiled(make_port, orders_csv, django_capture_on_commit_callbacks, api, make_user):
    port = make_port(orders_csv, columns=[("order_id", "integer"), ("email", "string"), ("shipped_on", "date")])
    owner = make_user("owner")
    DomainMembership.objects.create(domain=port.product.domain, user=owner, role="owner")
    api.force_authenticate(owner)
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(f"/api/products/{port.product.identifier}/profile/")
    assert response.status_code == 202
    api.force_authenticate(None)
    return port, owner


def test_profile_api_shows_stats_state_drift_and_pii(api, profiled):
    port, _owner = profiled
    body = api.get(f"/api/products/{port.product.identifier}/profile/").json()
    assert body["product"] == port.product.identifier
    entry = body["ports"][0]
    assert entry["latest_run"]["state"] == "succeeded"
    assert entry["latest_run"]["trigger"] == "manual"
    assert entry["profile"]["row_count"] == 200
    columns = {c["name"]: c for c in entry["profile"]["columns"]}
    assert columns["amount"]["stats"]["null_count"] == 20
    assert len(columns["amount"]["stats"]["histogram"]["counts"]) == 20
    assert columns["email"]["masked"]
    assert columns["email"]["stats"]["min"] is None
    assert entry["drift"]["missing"] == ["shipped_on"]
    assert body["flags"]["schema_drift"]
    assert [s["column_name"] for s in entry["pii_suggestions"]] == ["email"]


def test_a_failed_run_is_visible_with_its_reason_and_the_last_good_profile_stays(
    api, profiled, orders_csv, django_capture_on_commit_callbacks
):
    port, owner = profiled
    orders_csv.unlink()
    api.force_authenticate(owner)
    with django_capture_on_commit_callbacks(execute=True):
        api.post(f"/api/products/{port.product.identifier}/profile/")
    entry = api.get(f"/api/products/{port.product.identifier}/profile/").json()["ports"][0]
    assert entry["latest_run"]["state"] == "failed"
    assert "file not found" in entry["latest_run"]["reason"]
    assert entry["profile"]["row_count"] == 200
    assert [h["state"] for h in entry["history"]] == ["failed", "succeeded"]


def test_triggering_needs_the_domain_team(api, profiled, make_user):
    port, _owner = profiled
    url = f"/api/products/{port.product.identifier}/profile/"
    assert api.post(url).status_code == 401
    api.force_authenticate(make_user("stranger"))
    assert api.post(url).status_code == 403


def test_restricted_products_hide_their_profile(api, profiled, make_user):
    port, _owner = profiled
    DataProduct.objects.filter(pk=port.product.pk).update(visibility="restricted")
    api.force_authenticate(make_user("stranger"))
    assert api.get(f"/api/products/{port.product.identifier}/profile/").status_code == 403
    assert api.get("/api/products/nope.nothing/profile/").status_code == 404


def test_run_detail(api, profiled):
    port, _owner = profiled
    run = port.profile_runs.get()
    body = api.get(f"/api/profile-runs/{run.pk}/").json()
    assert body["state"] == "succeeded"
    assert {c["name"] for c in body["columns"]} == {"order_id", "email", "country", "amount", "ordered_on"}


def test_owner_confirms_a_suggestion_and_bad_input_is_a_400(api, profiled):
    port, owner = profiled
    suggestion = PiiSuggestion.objects.get(port=port, column_name="email")
    url = f"/api/pii-suggestions/{suggestion.pk}/"
    assert api.post(url, {"status": "confirmed"}, format="json").status_code == 401
    api.force_authenticate(owner)
    bad = api.post(url, {"status": "maybe"}, format="json")
    assert bad.status_code == 400
    assert bad.json()["errors"][0]["path"] == "status"
    assert api.post(url, {"status": "confirmed"}, format="json").json()["status"] == "confirmed"
    suggestion.refresh_from_db()
    assert suggestion.decided_by == owner


def test_panel_shows_stats_histograms_drift_and_masked_values(profiled):
    port, owner = profiled
    request = RequestFactory().get("/")
    request.user = owner
    html = render_panel(request, port.product)
    assert "Schema drift" in html
    assert "<code>shipped_on</code>" in html
    assert html.count("<rect") >= 40  # amount and ordered_on histograms, 20 bins each
    assert "user1@example.org" not in html
    assert "masked" in html
    assert "Profile now" in html
    assert 'data-run-state="succeeded"' in html


def test_panel_hides_the_run_button_from_consumers(profiled, consumer):
    port, _owner = profiled
    request = RequestFactory().get("/")
    request.user = consumer
    html = render_panel(request, port.product)
    assert "Profile now" not in html
    assert "200</strong> rows" in html


def test_pii_suggestions_are_for_the_products_team_only(profiled, consumer):
    port, owner = profiled
    assert PiiSuggestion.objects.filter(port=port, column_name="email").exists()
    for user, shown in ((owner, True), (consumer, False)):
        request = RequestFactory().get("/")
        request.user = user
        html = render_panel(request, port.product)
        assert ("Possible personal data" in html) is shown, user.username
