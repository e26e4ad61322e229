"""The publish check reads an import's products in a fixed number of queries (five cost what one costs), and
the context it reads with only the facts its rules look at decides what the full context decides."""
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalog.models import DataProduct
from governance.models import QualityScore
from governance.policies.checks import blocking_specs, policy_publish_check
from governance.policies.context import FACTS, facts_read, product_contexts
from governance.policies.engine import PolicySet
from governance.policies.rules import rule_paths
from governance.policies.services import active_specs, policy_save

from .conftest import contract_doc, product_doc


@pytest.fixture
def five(sales, defaults, django_capture_on_commit_callbacks):
    """Five published sales products with no support channel (a warning, until a test makes it blocking)."""
    from catalog.descriptors.services import descriptors_import

    documents = []
    for i in range(5):
        documents += [product_doc(f"p-{i}", f"Orders {i}", contract_id=f"c-{i}", support=[]),
                      contract_doc(f"c-{i}", f"orders{i}")]
    with django_capture_on_commit_callbacks(execute=True):
        descriptors_import(documents=documents, source="test")
    products = list(DataProduct.objects.order_by("pk"))
    assert len(products) == 5
    assert all(p.status == "published" for p in products)
    return products


def checked(products):
    with CaptureQueriesContext(connection) as queries:
        errors = policy_publish_check(products=products, documents=[])
    return errors, len(queries)


@pytest.mark.django_db
def test_the_publish_check_costs_the_same_queries_for_one_product_and_for_five(five):
    policy_save(key="support-channel", data={"severity": "blocking"}, actor=None)

    one_errors, one = checked(five[:1])
    all_errors, many = checked(five)

    assert [e["policy"] for e in one_errors] == ["support-channel"]
    assert [e["policy"] for e in all_errors] == ["support-channel"] * 5
    assert many == one
    assert one <= 6  # the policies, the products, the facts the blocking rules read, the exceptions


@pytest.mark.django_db
def test_passing_products_are_checked_in_the_same_few_queries(five):
    _, one = checked(five[:1])
    errors, many = checked(five)

    assert errors == []
    assert many == one <= 5


@pytest.mark.django_db
def test_a_context_with_only_the_facts_read_decides_as_the_full_one(five):
    for specs in (blocking_specs(), active_specs()):
        policy_set = PolicySet(specs)
        ids = [p.pk for p in five]
        full = product_contexts(ids, facts=FACTS)
        lean = product_contexts(ids, facts=facts_read(policy_set.reads()))
        for pk in ids:
            decided = [(o.spec.key, o.result, o.message) for o in policy_set.evaluate(full[pk])]
            assert [(o.spec.key, o.result, o.message) for o in policy_set.evaluate(lean[pk])] == decided


def test_the_facts_read_follow_the_paths():
    assert facts_read({"product.owners", "product.team.name"}) == {"team"}
    assert facts_read({"product.quality.score", "product.status"}) == {"scores"}
    assert facts_read({"ports"}) == {"ports", "profiled"}
    assert facts_read({"ports.*.columns.*.masked"}) == {"ports"}
    assert facts_read({""}) == FACTS


def test_the_paths_a_rule_reads_are_followed_into_iterators():
    rule = {"none": [{"var": "ports"}, {"some": [{"var": "columns"}, {"!": [{"var": "masked"}]}]}]}
    assert rule_paths(rule) == ["ports.*.#", "ports.*.columns.*.#", "ports.*.columns.*.masked"]
    assert facts_read(rule_paths(rule)) == {"ports"}
    assert facts_read(rule_paths({"all": [{"var": "ports"}, {"var": ""}]})) == {"ports", "profiled"}
    assert facts_read(rule_paths({"reduce": [{"var": "ports"}, {"var": "current"}, 0]})) == FACTS


@pytest.mark.django_db
def test_the_default_blocking_policies_read_four_facts(defaults):
    assert facts_read(PolicySet(blocking_specs()).reads()) == {"team", "ports", "scores"}


@pytest.mark.django_db
def test_the_context_carries_each_products_latest_quality_score(five):
    latest = {s.product_id: s for s in QualityScore.objects.order_by("computed_at", "pk")}  # the last one wins
    assert set(latest) == {p.pk for p in five}
    for pk, ctx in product_contexts(list(latest), facts=frozenset({"scores"})).items():
        assert ctx.data["product"]["quality"] == {"score": latest[pk].score, "dimensions": latest[pk].dimensions}
