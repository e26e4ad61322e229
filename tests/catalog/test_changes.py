"""The change fan-out: who hears which kind of change, and what one publish sets in motion."""
import pytest
from celery import Task

from catalog import changes
from catalog.models import DataProduct

from .descriptors.conftest import bundle, contract_doc, data_root, product_doc, sales, sales_member  # noqa: F401


def receivers(signal) -> list[str]:
    found = []
    for entry in signal.receivers:  # (lookup key, receiver or weak reference to it, …)
        ref = entry[1]
        func = ref if hasattr(ref, "__code__") else ref()
        found.append(f"{func.__module__}.{func.__qualname__}")
    return sorted(found)


def test_the_fan_out_read_in_one_place():
    search, profiling = "search.signals.index_changed_products", "profiling.signals.on_ports_changed"
    governance, lineage = "governance.signals.score_changed_products", "lineage.apps._on_products_changed"
    policies = "governance.policies.signals.evaluate_changed_products"
    assert {kind: receivers(signal) for kind, signal in changes.SIGNALS.items()} == {
        "created": sorted([search, profiling, governance, policies, lineage]),
        "updated": sorted([search, profiling, governance, policies, lineage]),
        "deleted": sorted([search, lineage]),
        "profiled": sorted([search, governance, policies]),  # profiling sent it: it does not hear it
        "scored": [search],  # governance and lineage write scores and usage: only search hears them
    }


def test_a_changeset_tells_each_product_once_by_its_strongest_kind():
    changeset = changes.ChangeSet(actor="user:1")
    changeset.add(1, changes.Kind.CREATED, port_ids={10})
    changeset.add(1, changes.Kind.UPDATED, fields={"status"}, port_ids={11})
    changeset.add(2, changes.Kind.SCORED, fields={"quality_score"})

    assert changeset.changes[1] == changes.ProductChange(1, changes.Kind.CREATED, frozenset({"status"}),
                                                         frozenset({10, 11}), "user:1")
    assert changeset.changes[2].kind == "scored"


@pytest.fixture
def sent_tasks(monkeypatch):
    """Every task enqueued, by name, with its arguments (nothing runs)."""
    sent = []

    def delay(self, *args, **kwargs):
        sent.append((self.name.rsplit(".", 1)[-1], args))

    monkeypatch.setattr(Task, "delay", delay)
    return sent


@pytest.mark.django_db
def test_one_publish_indexes_once_and_profiles_each_changed_port_once(
        api, sales_member, sent_tasks, django_capture_on_commit_callbacks):  # noqa: F811
    product = product_doc()
    product["outputPorts"].append({"name": "orders_daily", "version": "1.0.0", "contractId": "c-daily"})
    daily = contract_doc("c-daily", "orders_daily", path=str(data_root() / "sales" / "orders_daily.csv"))
    api.force_authenticate(sales_member)

    with django_capture_on_commit_callbacks(execute=True):
        assert api.post("/api/products/", bundle(product, contract_doc(), daily), format="json").status_code == 201

    pk = DataProduct.objects.get().pk
    ports = sorted(DataProduct.objects.get().output_ports.values_list("pk", flat=True))
    assert sorted(sent_tasks) == sorted([
        ("search_index_products_task", ([pk],)),
        ("output_port_profile_task", (ports[0],)),
        ("output_port_profile_task", (ports[1],)),
        ("quality_score_refresh_task", (pk,)),
        ("products_policies_task", ([pk],)),
        ("lineage_products_sync_task", ([pk],)),
    ])

    sent_tasks.clear()
    product["description"]["purpose"] = "Every order, one row each."
    with django_capture_on_commit_callbacks(execute=True):
        assert api.post("/api/products/", bundle(product, contract_doc(), daily), format="json").status_code == 200

    assert ("output_port_profile_task", (ports[0],)) not in sent_tasks  # a description edit profiles nothing
    assert [t for t in sent_tasks if t[0] == "search_index_products_task"] == [("search_index_products_task", ([pk],))]

    sent_tasks.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert api.post("/api/products/", bundle(product, contract_doc(), daily), format="json").status_code == 200
    assert sent_tasks == []  # unchanged: nothing to tell
