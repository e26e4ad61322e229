"""Quality rules on personal data: what they measured is for the domain team and stewards only.

A SQL rule can read any column of its port, so on a port with a card number or an IBAN its
result (``max(card_number)`` is a whole card number) is hidden from everyone else; and no
message, for anyone, repeats text a query returned or DuckDB quoted from the data.
"""
import json

import pytest
from django.test import Client

from catalog.models import Column
from governance.models import CheckResult, QualityScore
from governance.services import product_quality_check
from profiling.models import PiiSuggestion
from tests.governance.conftest import contract

pytestmark = pytest.mark.django_db

PAYMENTS_CSV = """id,card_number,iban,email
1,4111111111111111,DE89370400440532013000,a@x.io
2,5500005555555559,GB82WEST12345698765432,b@x.io
3,4012888888881881,FR1420041010050500013M02606,c@x.io
"""
LARGEST_PAN = "5500005555555559"
IBANS = ("DE89370400440532013000", "GB82WEST12345698765432", "FR1420041010050500013M02606")
SECRETS = (LARGEST_PAN, "4111111111111111", "4012888888881881", *IBANS)


def payments_contract():
    return contract(
        object_quality=[
            {"type": "sql", "name": "largest card number", "query": "SELECT max(card_number) FROM customers",
             "mustBeLessThan": 100, "severity": "error"},
            {"type": "sql", "name": "all ibans", "query": "SELECT string_agg(iban, ',') FROM customers",
             "mustBe": 0},
            {"type": "sql", "name": "one iban", "query": "SELECT max(iban) FROM customers", "mustBe": 0},
            {"type": "sql", "name": "ibans as numbers", "query": "SELECT sum(CAST(iban AS BIGINT)) FROM customers",
             "mustBe": 0},
            {"type": "sql", "name": "card number as text",
             "query": "SELECT max(CAST(card_number AS VARCHAR)) FROM customers", "mustBe": 0},
        ],
        properties=[("id", "integer", []), ("card_number", "string", []), ("iban", "string", []),
                    ("email", "string", [])],
    )


@pytest.fixture
def payments(make_product):
    """Card numbers classified PII in the contract, IBANs flagged by profiling; checked and scored."""
    product = make_product("payments", csv_text=PAYMENTS_CSV, document=payments_contract())
    port = product.output_ports.get()
    Column.objects.create(port=port, name="card_number", classification="pii")
    Column.objects.create(port=port, name="iban")
    PiiSuggestion.objects.create(port=port, column_name="iban", kind="iban", confidence=1.0)
    product_quality_check(product_id=product.pk)
    return product


def quality(client, product):
    response = client.get(f"/api/products/{product.identifier}/quality/")
    assert response.status_code == 200
    return response


def check(body, name):
    return next(c for c in body["checks"] if c["name"] == name)


def pages(client, product):
    """Every page that shows a product's quality: its own page, the product page, the overview."""
    html = ""
    for url in (f"/governance/products/{product.identifier}/quality/", product.get_absolute_url(), "/governance/"):
        response = client.get(url)
        assert response.status_code == 200, url
        html += response.content.decode()
    return html


def test_outsiders_see_pass_fail_and_expectation_but_no_measured_value(payments, consumer):
    for user in (None, consumer):
        client = Client()
        if user:
            client.force_login(user)
        response = quality(client, payments)
        card = check(response.json(), "largest card number")
        assert card["passed"] is False
        assert card["expected"] == {"mustBeLessThan": 100}
        assert card["measured"] is None
        assert "hidden" in card["message"]
        assert LARGEST_PAN not in response.content.decode()


def test_the_domain_team_and_stewards_see_the_measured_value(payments, member, steward):
    for user in (member, steward):
        client = Client()
        client.force_login(user)
        card = check(quality(client, payments).json(), "largest card number")
        assert card["measured"] == float(LARGEST_PAN)
        assert LARGEST_PAN in card["message"]


def test_quality_pages_hide_the_value_from_outsiders(payments, consumer, member, steward):
    anonymous = Client()
    assert LARGEST_PAN not in pages(anonymous, payments)
    outsider = Client()
    outsider.force_login(consumer)
    html = pages(outsider, payments)
    assert LARGEST_PAN not in html
    assert "largest card number" in html  # the check is listed, its value is not
    for user in (member, steward):
        insider = Client()
        insider.force_login(user)
        assert LARGEST_PAN in pages(insider, payments)


def test_a_rule_returning_text_is_an_error_that_does_not_repeat_it(payments, steward):
    client = Client()
    client.force_login(steward)
    body = quality(client, payments).json()
    for name in ("all ibans", "one iban", "card number as text"):
        found = check(body, name)
        assert found["passed"] is None
        assert found["measured"] is None
        assert found["message"] == "not evaluated: the query must return one number; it returned text"


def test_a_database_error_names_its_class_not_the_data(payments, steward):
    client = Client()
    client.force_login(steward)
    found = check(quality(client, payments).json(), "ibans as numbers")
    assert found["passed"] is None
    assert "ConversionException" in found["message"]
    assert "ibans as numbers" in found["message"]


def test_no_card_number_or_iban_is_stored_in_any_message(payments):
    texts = list(CheckResult.objects.filter(run__product=payments).values_list("message", "error"))
    stored = json.dumps(texts) + json.dumps(list(QualityScore.objects.filter(product=payments)
                                                 .values_list("breakdown", flat=True)))
    for secret in IBANS:
        assert secret not in stored
    # the card number is a number: stored as the measured value, never as text but for its team's message
    assert not CheckResult.objects.filter(run__product=payments, error__contains="4111").exists()


def test_no_iban_on_any_page_or_answer_for_anyone(payments, consumer, member, steward):
    for user in (None, consumer, member, steward):
        client = Client()
        if user:
            client.force_login(user)
        seen = quality(client, payments).content.decode() + pages(client, payments)
        for iban in IBANS:
            assert iban not in seen, user


def test_column_checks_hide_only_sensitive_columns(make_product, consumer, member):
    document = contract(properties=[
        ("id", "integer", [{"metric": "duplicateValues", "mustBe": 0}]),
        ("card_number", "string", [{"metric": "duplicateValues", "mustBe": 0}]),
    ])
    product = make_product("cards", csv_text=PAYMENTS_CSV, document=document)
    port = product.output_ports.get()
    Column.objects.create(port=port, name="card_number", classification="restricted")
    product_quality_check(product_id=product.pk)
    client = Client()
    client.force_login(consumer)
    body = quality(client, product).json()
    assert check(body, "duplicateValues on id")["measured"] == 0
    hidden = check(body, "duplicateValues on card_number")
    assert (hidden["passed"], hidden["measured"]) == (True, None)
    assert hidden["message"] == ("passed, rule allows none (measured value hidden: the rule reads personal or "
                                 "restricted data)")
    client.force_login(member)
    assert check(quality(client, product).json(), "duplicateValues on card_number")["measured"] == 0


def test_a_failed_runs_reason_is_for_the_domain_team(make_product, consumer, member):
    import os

    from governance.services import quality_run_execute

    product = make_product()
    port = product.output_ports.get()
    os.remove(port.location)  # a reason read from the data source, which can quote the data
    quality_run_execute(port=port)
    client = Client()
    client.force_login(consumer)
    html = client.get(f"/governance/products/{product.identifier}/quality/").content.decode()
    assert '<span class="failed">Failed</span></li>' in html
    assert "file not found" not in html
    client.force_login(member)
    assert "file not found" in client.get(f"/governance/products/{product.identifier}/quality/").content.decode()
