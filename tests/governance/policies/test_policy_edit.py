"""Must show 2: a policy edited in admin re-evaluates the products it applies to; a rule with a syntax error
or an unknown field is refused on save (admin and API) with the reason, and nothing changes."""
import html

import pytest
from django.contrib.auth import get_user_model

from governance.policies.models import Policy, PolicyEvaluation

from .conftest import bundle


@pytest.fixture
def admin_client(client, db):
    user = get_user_model().objects.create_superuser("root", "root@example.com", "pw")
    client.force_login(user)
    return client


@pytest.fixture
def orders(api, sales_member, defaults, django_capture_on_commit_callbacks):
    api.force_authenticate(sales_member)
    with django_capture_on_commit_callbacks(execute=True):
        assert api.post("/api/products/", bundle(), format="json").status_code == 201
    api.force_authenticate(None)


def form(policy: Policy, **changes) -> dict:
    data = {"title": policy.title, "rationale": policy.rationale, "scope": policy.scope, "domain": "",
            "severity": policy.severity, "applies_to": policy.applies_to, "message": policy.message, "path": policy.path,
            "rule": '{"!!": [{"var": "product.team.name"}]}', "selector": "", "enabled": "on"}
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def result(key: str) -> str:
    return PolicyEvaluation.objects.get(policy__key=key, product__identifier="sales.orders").result


@pytest.mark.django_db
def test_a_policy_edited_in_admin_re_evaluates_its_products(admin_client, orders, django_capture_on_commit_callbacks):
    policy = Policy.objects.get(key="support-channel")
    assert result("support-channel") == "passed"

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(f"/admin/governance/policy/{policy.pk}/change/", form(
            policy, rule='{"some": [{"var": "product.support"}, {"==": [{"var": "tool"}, "email"]}]}',
            message="No e-mail support is declared"))

    assert response.status_code == 302, response.content.decode()[:3000]
    policy.refresh_from_db()
    assert policy.version == 2
    evaluation = PolicyEvaluation.objects.get(policy=policy, product__identifier="sales.orders")
    assert evaluation.result == "failed"  # the orders product declares slack only
    assert evaluation.policy_version == 2
    assert evaluation.message.startswith("No e-mail support is declared")


@pytest.mark.django_db
@pytest.mark.parametrize(("rule", "reason"), [
    ('{"!!": [{"var": "product.team.name"}]', "Syntax error at line 1"),
    ('{"!!": [{"var": "product.team.nam"}]}', "Unknown field 'product.team.nam'"),
    ('{"exec": ["rm -rf /"]}', "Unknown operator 'exec'"),
    ('{"==": [1]}', "takes at least 2 arguments"),
])
def test_admin_refuses_a_bad_rule_with_the_reason(admin_client, orders, rule, reason):
    policy = Policy.objects.get(key="product-owner-team")

    response = admin_client.post(f"/admin/governance/policy/{policy.pk}/change/", form(policy, rule=rule))

    assert response.status_code == 200  # the form again, with the error
    assert reason in html.unescape(response.content.decode())
    policy.refresh_from_db()
    assert policy.version == 1
    assert "owners" in str(policy.rule)


@pytest.mark.django_db
def test_api_refuses_an_unknown_field_naming_its_position(api, steward, defaults):
    api.force_authenticate(steward)
    body = {"key": "tags", "title": "Tagged", "rule": {"and": [True, {">": [{"length": {"var": "product.tag"}}, 0]}]}}

    response = api.post("/api/policies/", body, format="json")

    assert response.status_code == 400
    [message] = response.json()["errors"]["rule"]
    assert message.startswith("at /and/1/>/0/length/var: Unknown field 'product.tag'")
    assert "tags" in message  # what the product does have
    assert not Policy.objects.filter(key="tags").exists()


@pytest.mark.django_db
def test_api_policy_writes_by_role(api, steward, finance, finance_owner, sales_member, defaults):
    finance_rule = {"key": "finance-tags", "title": "Finance products are tagged", "domain": "finance",
                    "rule": {">": [{"length": {"var": "product.tags"}}, 0]}}
    api.force_authenticate(sales_member)
    assert api.post("/api/policies/", finance_rule, format="json").status_code == 403
    assert api.put("/api/policies/support-channel/", {"severity": "blocking"}, format="json").status_code == 403

    api.force_authenticate(finance_owner)
    created = api.post("/api/policies/", finance_rule, format="json")
    assert created.status_code == 201
    assert created.json()["scope"] == "domain"
    assert api.post("/api/policies/", finance_rule, format="json").status_code == 409
    assert api.put("/api/policies/support-channel/", {"severity": "blocking"}, format="json").status_code == 403

    api.force_authenticate(steward)
    changed = api.put("/api/policies/support-channel/", {"severity": "blocking"}, format="json")
    assert changed.status_code == 200
    assert changed.json()["version"] == 2
    assert api.put("/api/policies/support-channel/", {"severity": "fatal"}, format="json").status_code == 400


@pytest.mark.django_db
def test_context_schema_is_published_and_describes_the_context(api, orders):
    import jsonschema

    from catalog.models import DataProduct
    from governance.policies.context import product_context

    schema = api.get("/api/policies/context-schema/").json()
    assert schema["properties"]["product"]["properties"]["quality"]["properties"]["score"]["type"] == ["number", "null"]
    assert "snake_case" in schema["x-helpers"]
    context = product_context(DataProduct.objects.get()).data
    jsonschema.validate(context, {k: v for k, v in schema.items() if not k.startswith("x-")})
