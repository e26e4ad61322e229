"""Must show 4: a domain policy applies only to its domain; an exception waives a product until it expires,
then the failure returns by itself (time travel)."""
import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from catalog.models import DataProduct
from governance.policies.models import Policy, PolicyEvaluation
from governance.policies.selectors import product_compliance
from governance.policies.services import (
    PolicyInputError,
    policy_exception_create,
    policy_save,
    product_policies_evaluate,
)

from .conftest import contract_doc, product_doc


@pytest.fixture
def two_domains(finance, sales, steward, django_capture_on_commit_callbacks):
    """sales.orders and finance.invoices, both with an untagged-but-valid descriptor (as the command line imports)."""
    from catalog.descriptors.services import descriptors_import

    invoices = product_doc("p-invoices", "Invoices", domain="finance", contract_id="c-invoices", tags=[])
    inv_contract = contract_doc("c-invoices", "invoices", domain="finance",
                                path=str(contract_doc()["servers"][1]["path"]).replace("/sales/orders", "/finance/invoices"))
    orders = product_doc(tags=[])
    with django_capture_on_commit_callbacks(execute=True):
        descriptors_import(documents=[orders, contract_doc(), invoices, inv_contract], source="test")
    return {p.domain.slug: p for p in DataProduct.objects.select_related("domain")}


def result(policy_key: str, identifier: str) -> str:
    return PolicyEvaluation.objects.get(policy__key=policy_key, product__identifier=identifier).result


@pytest.mark.django_db
def test_a_domain_policy_applies_only_to_its_domain(two_domains, finance_owner, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        policy_save(key="finance-tagged", actor=finance_owner, data={
            "title": "Finance products are tagged", "domain": "finance", "severity": "warning",
            "rule": {">": [{"length": {"var": "product.tags"}}, 0]}})

    assert result("finance-tagged", "finance.invoices") == "failed"
    assert not PolicyEvaluation.objects.filter(policy__key="finance-tagged", product__identifier="sales.orders").exists()
    with pytest.raises(PermissionDenied):
        policy_save(key="finance-tagged", data={"severity": "info"}, actor=_sales_owner())


def _sales_owner():
    from django.contrib.auth import get_user_model

    from catalog.models import Domain, DomainMembership

    user = get_user_model().objects.create_user("sam")
    DomainMembership.objects.create(user=user, domain=Domain.objects.get(slug="sales"), role="owner")
    return user


@pytest.mark.django_db
def test_an_exception_waives_until_its_expiry_then_the_failure_returns(two_domains, steward,
                                                                       django_capture_on_commit_callbacks):
    policy_save(key="tagged", actor=steward, data={
        "title": "Products are tagged", "waivable": True, "rule": {">": [{"length": {"var": "product.tags"}}, 0]}})
    now = timezone.now()
    product_policies_evaluate(product_ids=[p.pk for p in two_domains.values()], now=now)
    assert result("tagged", "sales.orders") == "failed"

    with django_capture_on_commit_callbacks(execute=True):
        policy_exception_create(policy=Policy.objects.get(key="tagged"), product=two_domains["sales"], actor=steward,
                                justification="Tags arrive with the catalog migration in Q1.",
                                expires=now + dt.timedelta(days=30), now=now)

    assert result("tagged", "sales.orders") == "waived"
    assert result("tagged", "finance.invoices") == "failed"  # the exception is for one product
    item = next(i for i in product_compliance(two_domains["sales"])["items"] if i["policy"].key == "tagged")
    assert item["result"] == "waived"
    assert "Tags arrive with the catalog migration" in item["message"]

    later = now + dt.timedelta(days=31)
    # before anything runs again, reads already see the lapsed exception
    lapsed = next(i for i in product_compliance(two_domains["sales"], now=later)["items"] if i["policy"].key == "tagged")
    assert lapsed["result"] == "failed"
    product_policies_evaluate(product_ids=[two_domains["sales"].pk], now=later)
    assert result("tagged", "sales.orders") == "failed"


@pytest.mark.django_db
def test_a_domain_wide_exception_and_its_refusals(two_domains, steward, consumer):
    tagged, _ = policy_save(key="tagged", actor=steward, data={
        "title": "Products are tagged", "rule": {">": [{"length": {"var": "product.tags"}}, 0]}})
    expires = timezone.now() + dt.timedelta(days=10)
    with pytest.raises(PolicyInputError) as refused:
        policy_exception_create(policy=tagged, domain=two_domains["finance"].domain, actor=steward,
                                justification="x", expires=expires)
    assert "not waivable" in refused.value.errors["policy"][0]

    tagged, _ = policy_save(key="tagged", actor=steward, data={"waivable": True})
    with pytest.raises(PermissionDenied):
        policy_exception_create(policy=tagged, domain=two_domains["finance"].domain, actor=consumer,
                                justification="x", expires=expires)
    with pytest.raises(PolicyInputError) as past:
        policy_exception_create(policy=tagged, domain=two_domains["finance"].domain, actor=steward,
                                justification="x", expires=timezone.now() - dt.timedelta(days=1))
    assert "future" in past.value.errors["expires"][0]

    policy_exception_create(policy=tagged, domain=two_domains["finance"].domain, actor=steward,
                            justification="Finance tags come with the ledger project.", expires=expires)
    product_policies_evaluate(product_ids=[p.pk for p in two_domains.values()])
    assert result("tagged", "finance.invoices") == "waived"
    assert result("tagged", "sales.orders") == "failed"


@pytest.mark.django_db
def test_exception_api_is_for_stewards(api, two_domains, steward, consumer):
    policy_save(key="tagged", actor=steward, data={"title": "Tagged", "waivable": True,
                                                    "rule": {">": [{"length": {"var": "product.tags"}}, 0]}})
    body = {"policy": "tagged", "product": "sales.orders", "justification": "Q1", "expires": "2099-01-01T00:00:00Z"}
    api.force_authenticate(consumer)
    assert api.post("/api/policy-exceptions/", body, format="json").status_code == 403
    api.force_authenticate(steward)
    assert api.post("/api/policy-exceptions/", {**body, "expires": "2099-13-01"}, format="json").status_code == 400
    created = api.post("/api/policy-exceptions/", {**body, "expires": (timezone.now() + dt.timedelta(days=9)).isoformat()},
                       format="json")
    assert created.status_code == 201, created.json()
    assert created.json()["approved_by"] == "steward"
    assert [e["product"] for e in api.get("/api/policy-exceptions/").json()] == ["sales.orders"]


@pytest.mark.django_db
def test_compliance_views_for_domain_and_mesh(api, client, two_domains, steward, consumer):
    policy_save(key="tagged", actor=steward, data={"title": "Tagged", "rule": {">": [{"length": {"var": "product.tags"}}, 0]}})
    product_policies_evaluate(product_ids=[p.pk for p in two_domains.values()])

    api.force_authenticate(consumer)
    assert api.get("/api/compliance/").status_code == 403
    domain = api.get("/api/domains/finance/compliance/").json()
    tagged = next(p for p in domain["policies"] if p["key"] == "tagged")
    assert tagged["results"] == {"finance.invoices": "failed"}

    api.force_authenticate(steward)
    mesh = api.get("/api/compliance/").json()
    assert {d["domain"] for d in mesh["domains"]} == {"finance", "sales"}
    assert all(d["failing"]["tagged"] == 1 for d in mesh["domains"])

    client.force_login(steward)
    page = client.get("/governance/compliance/")
    assert page.status_code == 200
    assert "/governance/compliance/?policy=tagged&amp;domain=finance" in page.content.decode()
    failing = client.get("/governance/compliance/?policy=tagged&domain=finance").content.decode()
    assert "finance.invoices" in failing
    assert "sales.orders" not in failing
    client.force_login(consumer)
    assert client.get("/governance/compliance/").status_code == 403
