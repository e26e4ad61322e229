"""The publish check's queries are compiled once per process and its blocking policies once per state of
those policies; neither may answer differently from the ORM, nor keep serving a policy that changed."""
import pytest

from catalog.models import DataProduct
from governance.policies.checks import policy_publish_check
from governance.policies.context import _QUERIES, _products_query
from governance.policies.prepared import Prepared
from governance.policies.services import policy_save

from .test_publish_queries import five  # noqa: F401  (fixture)


@pytest.mark.django_db
def test_prepared_rows_are_the_orm_rows_for_any_number_of_ids(five):  # noqa: F811
    built = []

    def build(ids):
        built.append(len(ids))
        return _products_query(ids, True)

    prepared = Prepared(build)
    ids = [p.pk for p in five]
    for chosen in (ids[:1], ids[1:3], ids[:1], [ids[4], ids[0], ids[2]], ids[1:3], []):
        rows = sorted(prepared(chosen))
        assert rows == sorted(tuple(r) for r in _products_query(chosen, True))
        assert len(rows) == len(chosen)
    # JSON and booleans come back converted, as values_list gives them
    assert all(isinstance(row[-1], dict) for row in prepared(ids))
    assert built == [1, 2, 3, 0, 5]  # compiled once per number of ids


@pytest.mark.django_db
def test_every_context_query_matches_the_orm(five):  # noqa: F811
    ids = [p.pk for p in five]
    port_ids = list(DataProduct.objects.filter(pk__in=ids).values_list("output_ports__pk", flat=True))
    for name, prepared in _QUERIES.items():
        wanted = port_ids if name == "columns" else ids
        assert prepared(wanted) == [tuple(r) for r in prepared.build(wanted)], name


@pytest.mark.django_db
def test_an_edited_blocking_policy_is_used_by_the_next_check(five):  # noqa: F811
    assert policy_publish_check(products=five[:1], documents=[]) == []
    policy_save(key="support-channel", data={"severity": "blocking"}, actor=None)
    assert [e["policy"] for e in policy_publish_check(products=five[:1], documents=[])] == ["support-channel"]
    policy_save(key="support-channel", data={"message": "Say where consumers ask questions"}, actor=None)
    errors = policy_publish_check(products=five[:1], documents=[])
    assert "Say where consumers ask questions" in errors[0]["message"]
    policy_save(key="support-channel", data={"enabled": False}, actor=None)
    assert policy_publish_check(products=five[:1], documents=[]) == []
