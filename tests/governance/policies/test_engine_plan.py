"""The engine hands each product's rules only what they read: a port, column or contract rule reading only
its subject runs over the context's own lists, one reading the product too gets records; both decide alike."""
from governance.policies.context import CONTEXT_VERSION, ProductContext
from governance.policies.engine import PolicySet, PolicySpec


def column(name, description="", **extra):
    return {"name": name, "port": "", "type": "string", "logical_type": "string", "physical_type": "",
            "description": description, "classification": "", "pii": {"declared": False, "detected": False},
            "masked": False, "required": False, "primary_key": False, "critical": False, "observed": False, **extra}


def context(status="published"):
    ports = [
        {"name": "daily", "batch": True, "slo": {"freshness_hours": None}, "contract": {"id": "c1", "has_schema": True},
         "columns": [column("id", "The key."), column("email")]},
        {"name": "stream", "batch": False, "slo": {"freshness_hours": None}, "contract": None,
         "columns": [column("ts"), column("value", "Amount.", observed=True)]},
    ]
    ctx = ProductContext(product_id=1, data={
        "context_version": CONTEXT_VERSION,
        "product": {"identifier": "sales.orders", "domain": "sales", "status": status, "visibility": "public"},
        "ports": ports, "contracts": [{"id": "c1", "status": "active"}, {"id": "c2", "status": "draft"}]})
    ctx.port_paths = [("product", ("outputPorts", 0)), ("product", ("outputPorts", 1))]
    ctx.column_paths = [[("contract", "c1", ("schema", 0, "properties", i)) for i in range(2)],
                        [("product", ("outputPorts", 1))] * 2]
    return ctx


def spec(key, applies_to, rule, selector=None):
    return PolicySpec(key=key, title=key, applies_to=applies_to, rule=rule, selector=selector, message="lack it")


DESCRIBED = {"!!": [{"var": "column.description"}]}
SETS = [
    spec("described", "column", DESCRIBED, {"!": [{"var": "column.observed"}]}),
    # the same rule reading the product as well: records, not the lists
    spec("described-records", "column", {"or": [{"==": [{"var": "product.status"}, "draft"]}, DESCRIBED]},
         {"!": [{"var": "column.observed"}]}),
    spec("freshness", "output_port", {"!=": [{"var": "port.slo.freshness_hours"}, None]}, {"var": "port.batch"}),
    spec("contracted", "output_port", {"and": [{"!=": [{"var": "product.status"}, "x"]}, {"!!": [{"var": "port.contract"}]}]}),
    spec("active", "contract", {"==": [{"var": "contract.status"}, "active"]}),
    spec("some-batch", "product", {"some": [{"var": "ports"}, {"var": "batch"}]}),
    spec("described-by-reduce", "column",
         {"reduce": [{"var": "column.pii.detected"}, {"var": "accumulator"}, {"!!": [{"var": "column.description"}]}]}),
]


def decided(ctx, specs=SETS):
    return {o.spec.key: (o.result, o.message, [f["subject"] for f in o.failures], [f["where"] for f in o.failures])
            for o in PolicySet(specs).evaluate(ctx)}


def test_subject_rules_decide_alike_over_the_lists_and_over_records():
    got = decided(context())
    assert got["described"][:3] == ("failed", "2 of 3 columns lack it: `daily.email`, `stream.ts`",
                                    ["daily.email", "stream.ts"])
    assert got["described"][3] == [["contract", "c1", ["schema", 0, "properties", 1]], ["product", None, ["outputPorts", 1]]]
    assert got["described-records"] == got["described"]
    assert got["freshness"][:3] == ("failed", "1 of 1 output ports lack it: `daily`", ["daily"])
    assert got["contracted"][2] == ["stream"]
    assert got["active"][:3] == ("failed", "1 of 2 contracts lack it: `c2`", ["c2"])
    assert got["some-batch"][0] == "passed"
    assert got["described-by-reduce"][2] == ["daily.email", "stream.ts"]  # reduce's initial value read per column
    # the records form honours what it reads of the product
    assert decided(context(status="draft"))["described-records"][0] == "passed"


def test_each_policy_decides_alone_as_in_the_set():
    together = decided(context())
    for one in SETS:
        assert decided(context(), [one])[one.key] == together[one.key]
