"""The demo mesh's pipelines as OpenLineage events, posted through the real endpoint by ``load_demo``.

Every demo product that declares inputs is built by one job; its run reads the inputs' first ports
and writes the product's ports, with column lineage: a column flows from an input column of the
same name, or from the sources listed in ``DERIVED``. Orders reach finance through a staging
table that no product publishes, so product lineage is seen through an intermediate dataset.
The drifted delivery events report the schema actually written (see ``truth``).
"""
from __future__ import annotations

import datetime as dt

from demo import truth
from demo.spec import Product, stable_id

# The producer URI the demo's events have always carried (stored with their runs): unchanged by the move.
PRODUCER = "https://github.com/meshport/meshport/tree/main/lineage/demo.py"
JOB_NAMESPACE = "meshport-demo"
STAGING = ("postgres://etl.internal:5432", "staging.public.orders_clean")
STAGING_COLUMNS = ("order_id", "customer_id", "order_ts", "currency", "total_amount", "status")
STAGED_FOR = {"finance.invoices", "finance.revenue_recognition"}  # read sales.orders through staging

# (product, output column) -> [(input product, input column)] where names differ.
DERIVED: dict[tuple[str, str], list[tuple[str, str]]] = {
    ("sales.daily_revenue", "day"): [("sales.orders", "order_ts")],
    ("sales.daily_revenue", "orders"): [("sales.orders", "order_id")],
    ("sales.daily_revenue", "revenue"): [("sales.orders", "total_amount")],
    ("sales.daily_revenue", "average_order_value"): [("sales.orders", "total_amount"), ("sales.orders", "order_id")],
    ("sales.orders_v1_export", "order_date"): [("sales.orders", "order_ts")],
    ("sales.orders_v1_export", "total"): [("sales.orders", "total_amount")],
    ("sales.order_lines", "unit_price"): [("product.catalog_items", "list_price_eur")],
    ("finance.invoices", "net_amount"): [("sales.orders", "total_amount")],
    ("finance.invoices", "tax_amount"): [("sales.orders", "total_amount")],
    ("finance.invoices", "gross_amount"): [("sales.orders", "total_amount")],
    ("finance.invoices", "issued_date"): [("sales.orders", "order_ts")],
    ("finance.payments", "amount"): [("finance.invoices", "gross_amount")],
    ("finance.revenue_recognition", "recognized_eur"): [("finance.invoices", "net_amount")],
    ("finance.revenue_recognition", "deferred_eur"): [("finance.invoices", "net_amount")],
    ("finance.general_ledger", "debit_eur"): [("finance.revenue_recognition", "recognized_eur")],
    ("finance.general_ledger", "credit_eur"): [("finance.payments", "amount")],
    ("finance.general_ledger", "cost_center"): [("finance.cost_centers", "code")],
    ("marketing.attribution", "attributed_revenue"): [("sales.orders", "total_amount")],
    ("marketing.lead_scores", "score"): [("marketing.web_sessions", "converted"),
                                         ("marketing.email_engagement", "event_type")],
    ("logistics.returns", "refund_amount"): [("sales.orders", "total_amount")],
    ("logistics.carrier_performance", "shipments"): [("logistics.shipments", "shipment_id")],
    ("logistics.carrier_performance", "on_time_rate"): [("logistics.shipments", "delivered_ts"),
                                                        ("logistics.shipments", "promised_date")],
    ("customer-support.agent_performance", "tickets_solved"): [("customer-support.tickets", "ticket_id")],
    ("customer-support.agent_performance", "average_csat"): [("customer-support.csat", "score")],
    ("customer-support.agent_performance", "median_first_response_minutes"): [
        ("customer-support.tickets", "first_response_minutes")],
    ("product.experiments", "users"): [("product.feature_usage", "customer_id")],
}


def _facet(schema: str, **fields) -> dict:
    return {"_producer": PRODUCER, "_schemaURL": f"https://openlineage.io/spec/facets/{schema}", **fields}


class _Mesh:
    """The demo products next to the addresses their ports were published at."""

    def __init__(self):
        from catalog.models import OutputPort
        from demo.mesh import PRODUCTS
        from lineage.services.matching import port_address

        self.products = {p.identifier: p for p in PRODUCTS}
        ports = OutputPort.objects.filter(product__identifier__in=list(self.products)).select_related("product")
        self.address = {(p.product.identifier, p.name): port_address(p) for p in ports}

    def datasets(self, product: Product) -> list[tuple[tuple[str, str], object]]:
        return [(self.address[(product.identifier, port.name)], port) for port in product.ports
                if self.address.get((product.identifier, port.name))]

    def first(self, identifier: str):
        found = self.datasets(self.products[identifier])
        return found[0] if found else None


def _sources(product: Product, column: str, mesh: _Mesh) -> list[dict]:
    named = DERIVED.get((product.identifier, column))
    pairs = named or [(i, column) for i in product.inputs]
    fields = []
    for source, source_column in pairs:
        if source == "sales.orders" and product.identifier in STAGED_FOR:
            if source_column in STAGING_COLUMNS:
                fields.append({"namespace": STAGING[0], "name": STAGING[1], "field": source_column})
            continue
        first = mesh.first(source)
        if first and any(c.name == source_column for c in first[1].columns):
            kind = "TRANSFORMATION" if named else "IDENTITY"
            fields.append({"namespace": first[0][0], "name": first[0][1], "field": source_column,
                           "transformations": [{"type": "DIRECT", "subtype": kind}]})
    return fields


def _schema(product: Product, port) -> list[dict]:
    drift = next((d for d in truth.defects_for(product.identifier, "schema_drift") if d.port == port.name), None)
    fields = []
    for col in port.columns:
        name = drift.renamed.get(col.name, col.name) if drift else col.name
        kind = drift.retyped.get(col.name, (None, col.physical))[1] if drift else col.physical
        fields.append({"name": name, "type": kind, "description": col.description})
    fields += [{"name": extra, "type": "VARCHAR"} for extra in (drift.extra if drift else ())]
    return fields


def _output(product: Product, address, port, mesh: _Mesh) -> dict:
    lineage = {c.name: {"inputFields": f} for c in port.columns if (f := _sources(product, c.name, mesh))}
    domain = product.domain
    return {"namespace": address[0], "name": address[1], "facets": {
        "schema": _facet("1-2-0/SchemaDatasetFacet.json", fields=_schema(product, port)),
        "columnLineage": _facet("1-2-0/ColumnLineageDatasetFacet.json", fields=lineage),
        "ownership": _facet("1-0-1/OwnershipDatasetFacet.json", owners=[{"name": f"team:{domain}-data",
                                                                          "type": "MAINTAINER"}]),
        "documentation": _facet("1-1-0/DocumentationDatasetFacet.json", description=product.summary),
    }}


def _inputs(product: Product, mesh: _Mesh) -> list[dict]:
    found = []
    for identifier in product.inputs:
        if identifier == "sales.orders" and product.identifier in STAGED_FOR:
            found.append({"namespace": STAGING[0], "name": STAGING[1]})
        elif first := mesh.first(identifier):
            found.append({"namespace": first[0][0], "name": first[0][1]})
    return found


def _run(job: str, inputs: list, outputs: list, day: dt.date, started: dt.datetime) -> list[dict]:
    run_id = stable_id("lineage-run", job, day.isoformat())
    base = {"producer": PRODUCER, "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent",
            "run": {"runId": run_id}, "job": {"namespace": JOB_NAMESPACE, "name": job}}
    bare = [{"namespace": o["namespace"], "name": o["name"]} for o in outputs]
    return [
        {**base, "eventType": "START", "eventTime": started.isoformat(), "inputs": inputs, "outputs": bare},
        {**base, "eventType": "COMPLETE", "eventTime": (started + dt.timedelta(minutes=4)).isoformat(),
         "inputs": inputs, "outputs": outputs},
    ]


def _staging_run(mesh: _Mesh, day: dt.date, started: dt.datetime) -> list[dict]:
    address, port = mesh.first("sales.orders")
    columns = {c.name: c for c in port.columns}
    staged = {"namespace": STAGING[0], "name": STAGING[1], "facets": {
        "schema": _facet("1-2-0/SchemaDatasetFacet.json",
                         fields=[{"name": c, "type": columns[c].physical} for c in STAGING_COLUMNS]),
        "columnLineage": _facet("1-2-0/ColumnLineageDatasetFacet.json", fields={
            c: {"inputFields": [{"namespace": address[0], "name": address[1], "field": c}]} for c in STAGING_COLUMNS}),
    }}
    # The staging job tests what it reads, as dbt does; the duplicated order ids fail its uniqueness test.
    tests = _facet("1-0-1/DataQualityAssertionsDatasetFacet.json", assertions=[
        {"assertion": "not_null", "success": True, "column": "order_id"},
        {"assertion": "unique", "success": False, "column": truth.DUPLICATE_ORDER_IDS.column},
        {"assertion": "not_null", "success": True, "column": "customer_id"},
    ])
    source = {"namespace": address[0], "name": address[1], "inputFacets": {"dataQualityAssertions": tests}}
    return _run("finance.stage_orders", [source], [staged], day, started)


def demo_events(*, day: dt.date | None = None) -> list[dict]:
    """The demo's runs for ``day`` (today by default): a START and a COMPLETE per job, in build order."""
    day = day or dt.datetime.now(dt.UTC).date()
    start = dt.datetime.combine(day, dt.time(2, 0), tzinfo=dt.UTC)
    mesh = _Mesh()
    events = _staging_run(mesh, day, start)
    for i, product in enumerate(p for p in mesh.products.values() if p.inputs):
        outputs = [_output(product, address, port, mesh) for address, port in mesh.datasets(product)]
        job = f"{product.domain}.build_{product.slug}"
        events += _run(job, _inputs(product, mesh), outputs, day, start + dt.timedelta(minutes=10 + 5 * i))
    return events


PIPELINE_USER = "demo-pipeline"


def demo_events_post(*, day: dt.date | None = None, stdout=None) -> None:
    """Post the demo's runs of ``day`` (today by default) to ``/api/v1/lineage/batch`` in-process, as the
    demo's pipeline account (a platform-wide lineage producer) would."""
    from django.urls import reverse
    from rest_framework.test import APIClient

    events = demo_events(day=day)
    client = APIClient(SERVER_NAME=_host())
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {_pipeline_token()}")
    response = client.post(reverse("openlineage-batch"), events, format="json", secure=True)
    if response.status_code != 201:
        raise RuntimeError(f"the lineage endpoint refused the demo events: {response.status_code} {response.content!r}")
    if stdout is not None:
        body = response.json()
        stdout.write(f"Lineage: {body['received']} OpenLineage events posted ({body['created']} new) by "
                     f"{PIPELINE_USER}, a platform-wide lineage producer.\n")


def _host() -> str:
    """A host name the site accepts (the in-process request is checked against ALLOWED_HOSTS too)."""
    from django.conf import settings

    first = next(iter(settings.ALLOWED_HOSTS), "*")
    return "testserver" if first == "*" else first.lstrip(".")


def _pipeline_token() -> str:
    """The token of the demo's pipeline account: no password (it never signs in), producer for every domain."""
    from django.contrib.auth import get_user_model
    from rest_framework.authtoken.models import Token

    from lineage.services.producers import lineage_producer_grant

    user, created = get_user_model().objects.get_or_create(
        username=PIPELINE_USER, defaults={"first_name": "Demo", "last_name": "Pipelines"})
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    lineage_producer_grant(user=user, domain=None)
    return Token.objects.get_or_create(user=user)[0].key
