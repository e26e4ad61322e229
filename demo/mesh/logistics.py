"""The logistics domain: warehouses, shipments, delivery events, carriers, stock and returns."""
from __future__ import annotations

import numpy as np
import pyarrow as pa

from demo import fake, truth
from demo.mesh._build import (
    amount,
    cat,
    conform,
    count,
    day,
    flag,
    key,
    ref,
    table,
    text,
    ts,
    weeks_before,
)
from demo.spec import Col, DomainSpec, Port, Product

DOMAIN = DomainSpec(
    "logistics", "Logistics",
    "Getting orders to customers and back: warehouses and their stock, shipments, carrier "
    "tracking events, carrier performance and returns.",
    "#logistics-data", members=("planner",),
)
CARRIERS = ("DHL", "UPS", "DPD", "GLS", "PostNL")
CITIES = ("Berlin", "Hamburg", "Leipzig", "Lyon", "Rotterdam", "Madrid", "Milan", "Poznań", "Göteborg", "Manchester")
EVENT_STATUSES = ("label_created", "picked_up", "in_transit", "at_hub", "out_for_delivery", "delivered", "exception")
CARRIER_WEEKS = 52

WAREHOUSE_COLUMNS = (
    key("warehouse_id", "Warehouse id."),
    text("code", "Site code.", required=True, unique=True, pattern=r"^WH-[0-9]{4}$"),
    text("city", "City of the site.", required=True),
    cat("country", "Country of the site.", fake.COUNTRIES.tolist()),
    count("capacity_pallets", "Pallet positions."),
    day("opened_date", "First operating day."),
    flag("temperature_controlled", "Whether the site has cold storage."),
)


def warehouses(ctx):
    n, rng = ctx.rows("logistics.warehouses"), ctx.rng("logistics.warehouses")
    return table(
        WAREHOUSE_COLUMNS, warehouse_id=fake.ids(n), code=fake.coded("WH-", fake.ids(n), 4), city=fake.choice(rng, CITIES, n),
        country=fake.choice(rng, fake.COUNTRIES, n), capacity_pallets=rng.integers(2_000, 40_000, n),
        opened_date=ctx.anchor.astype("datetime64[D]") - rng.integers(200, 5_000, n), temperature_controlled=rng.random(n) < 0.2,
    )


SHIPMENT_COLUMNS = (
    key("shipment_id", "Shipment id (one parcel)."),
    ref("order_id", "Order shipped (sales.orders)."),
    ref("warehouse_id", "Shipping warehouse (logistics.warehouses)."),
    cat("carrier", "Carrier.", CARRIERS),
    cat("service_level", "Delivery promise.", ("standard", "express", "same_day")),
    ts("shipped_ts", "Handover to the carrier"),
    ts("delivered_ts", "Proof of delivery; empty while in transit", required=False),
    day("promised_date", "Delivery date promised at checkout."),
    amount("weight_kg", "Parcel weight."),
    cat("destination_country", "Destination country.", fake.COUNTRIES.tolist()),
)


def shipments(ctx):
    n, rng = ctx.rows("logistics.shipments"), ctx.rng("logistics.shipments")
    shipped = fake.timestamps(rng, n, ctx.anchor, 365)
    delivered = shipped + (rng.gamma(3, 16, n) * 3600).astype("timedelta64[s]")
    in_transit = np.flatnonzero(delivered > ctx.anchor)
    return table(
        SHIPMENT_COLUMNS, shipment_id=fake.ids(n, start=3_000_001),
        order_id=rng.integers(100_001, 100_001 + ctx.rows("sales.orders"), n),
        warehouse_id=rng.integers(1, ctx.rows("logistics.warehouses") + 1, n),
        carrier=fake.choice(rng, CARRIERS, n, p=[0.35, 0.2, 0.2, 0.15, 0.1]),
        service_level=fake.choice(rng, ["standard", "express", "same_day"], n, p=[0.8, 0.17, 0.03]),
        shipped_ts=shipped, delivered_ts=fake.with_nulls(delivered.astype("datetime64[us]"), in_transit),
        promised_date=shipped.astype("datetime64[D]") + 3, weight_kg=np.round(rng.gamma(2, 1.2, n), 2),
        destination_country=fake.choice(rng, fake.COUNTRIES, n, p=fake.COUNTRY_WEIGHTS),
    )


CARRIER_COLUMNS = (
    Col("carrier", "string", "VARCHAR", "Carrier.", required=True, pk=True, valid_values=CARRIERS),
    Col("week", "date", "DATE", "Monday of the shipping week.", required=True, pk=True),
    Col("destination_country", "string", "VARCHAR", "Destination country.", required=True, pk=True,
        valid_values=tuple(fake.COUNTRIES.tolist())),
    count("shipments", "Parcels handed over in the week."),
    amount("on_time_rate", "Share delivered by the promised date, 0–1; empty without deliveries.", required=False),
    amount("average_transit_hours", "Mean hours from handover to delivery.", required=False),
)


def carrier_performance(ctx):
    weeks = weeks_before(ctx.anchor, CARRIER_WEEKS)
    return conform(CARRIER_COLUMNS, ctx.query(
        """
        WITH grid AS (
            SELECT c AS carrier, CAST(w AS DATE) AS week, d AS destination_country
            FROM unnest(CAST($carriers AS VARCHAR[])) AS a(c),
                 range(CAST($first AS DATE), CAST($end AS DATE), INTERVAL 7 DAY) AS r(w),
                 unnest(CAST($countries AS VARCHAR[])) AS b(d)
        ), s AS (
            SELECT carrier, CAST(date_trunc('week', shipped_ts) AS DATE) AS week, destination_country,
                   delivered_ts, CAST(delivered_ts AS DATE) <= promised_date AS on_time,
                   date_diff('minute', shipped_ts, delivered_ts) / 60.0 AS transit_hours
            FROM shipments
        )
        SELECT g.carrier, g.week, g.destination_country, count(s.carrier) AS shipments,
               round(avg(CAST(s.on_time AS INTEGER)), 4) AS on_time_rate,
               round(avg(s.transit_hours), 2) AS average_transit_hours
        FROM grid g LEFT JOIN s USING (carrier, week, destination_country)
        GROUP BY ALL ORDER BY g.carrier, g.week, g.destination_country
        """,
        {"carriers": list(CARRIERS), "first": str(weeks[0]), "end": str(weeks[-1] + 7),
         "countries": fake.COUNTRIES.tolist()},
        shipments=ctx.table("logistics.shipments"),
    ))


SNAPSHOT_COLUMNS = (
    key("snapshot_id", "Row id."),
    ts("snapshot_ts", "When stock was counted"),
    ref("warehouse_id", "Warehouse (logistics.warehouses)."),
    ref("item_id", "Item (product.catalog_items)."),
    count("on_hand", "Units on the shelf."),
    count("reserved", "Units reserved for open orders."),
)


def inventory_snapshots(ctx):
    n, rng = ctx.rows("logistics.inventory_snapshots"), ctx.rng("logistics.inventory_snapshots")
    # The stock feed stopped: the newest count is as old as the file (see truth.STALE_SNAPSHOTS).
    last = ctx.anchor - np.timedelta64(truth.STALE_SNAPSHOTS.age_days, "D")
    on_hand = rng.integers(0, 500, n)
    return table(
        SNAPSHOT_COLUMNS, snapshot_id=fake.ids(n), snapshot_ts=last - (np.arange(n)[::-1] // 2_000 * 86_400).astype("timedelta64[s]"),
        warehouse_id=rng.integers(1, ctx.rows("logistics.warehouses") + 1, n),
        item_id=rng.integers(1, ctx.rows("product.catalog_items") + 1, n), on_hand=on_hand,
        reserved=(on_hand * rng.uniform(0, 0.3, n)).astype(np.int64),
    )


DELIVERY_EVENT_COLUMNS = (
    key("event_id", "Tracking event id."),
    ref("shipment_id", "Shipment tracked (logistics.shipments)."),
    ts("event_ts", "When the carrier scanned the parcel"),
    cat("status", "Tracking status.", EVENT_STATUSES),
    text("location_code", "Carrier depot code.", required=True),
    Col("dwell_minutes", "integer", "INTEGER", "Minutes the parcel spent at the location.", required=True),
)


def delivery_events(ctx):
    """The carrier feed changed under us: the file no longer matches its contract (schema drift)."""
    n, rng = ctx.rows("logistics.delivery_events"), ctx.rng("logistics.delivery_events")
    drift = truth.DRIFTED_DELIVERY_EVENTS
    clean = table(
        DELIVERY_EVENT_COLUMNS, event_id=fake.ids(n),
        shipment_id=np.sort(rng.integers(3_000_001, 3_000_001 + ctx.rows("logistics.shipments"), n)),
        event_ts=fake.timestamps(rng, n, ctx.anchor, 120), status=fake.choice(rng, EVENT_STATUSES, n),
        location_code=fake.coded("D", rng.integers(1, 400, n), 3), dwell_minutes=rng.geometric(1 / 95, n).astype(np.int32),
    )
    columns = {drift.renamed.get(name, name): clean.column(name) for name in clean.column_names}
    for name, (_, file_type) in drift.retyped.items():
        columns[name] = clean.column(name).cast({"VARCHAR": pa.string()}[file_type])
    columns[drift.extra[0]] = pa.array(fake.coded("SCN-", rng.integers(1, 900, n), 4))
    return pa.table(columns)


RETURN_COLUMNS = (
    key("return_id", "Return id."),
    ref("order_id", "Order returned (sales.orders)."),
    ref("shipment_id", "Outbound shipment (logistics.shipments)."),
    cat("reason", "Reason given by the customer.", ("too_small", "too_large", "damaged", "not_as_described", "changed_mind")),
    ts("requested_ts", "When the return was requested"),
    ts("received_ts", "When the parcel arrived back; empty until then", required=False),
    amount("refund_amount", "Refunded amount in the order currency."),
    cat("condition", "Condition on arrival.", ("resellable", "refurbish", "write_off"), required=False),
)


def returns(ctx):
    n, rng = ctx.rows("logistics.returns"), ctx.rng("logistics.returns")
    requested = fake.timestamps(rng, n, ctx.anchor, 365)
    received = requested + (rng.gamma(4, 24, n) * 3600).astype("timedelta64[s]")
    pending = np.flatnonzero(received > ctx.anchor)
    return table(
        RETURN_COLUMNS, return_id=fake.ids(n), order_id=rng.integers(100_001, 100_001 + ctx.rows("sales.orders"), n),
        shipment_id=rng.integers(3_000_001, 3_000_001 + ctx.rows("logistics.shipments"), n),
        reason=fake.choice(rng, ["too_small", "too_large", "damaged", "not_as_described", "changed_mind"], n),
        requested_ts=requested, received_ts=fake.with_nulls(received.astype("datetime64[us]"), pending),
        refund_amount=fake.money(rng, n, 45.0),
        condition=fake.with_nulls(fake.choice(rng, ["resellable", "refurbish", "write_off"], n, p=[0.7, 0.2, 0.1]), pending),
    )


PRODUCTS = (
    Product(
        "logistics", "warehouses", "Warehouses",
        "Our fulfilment sites with location, capacity and cold storage.",
        "Reference data of the **fulfilment network**.\n\n- one row per site\n- codes are stable\n",
        "Join shipments and inventory on `warehouse_id`.",
        ("warehouses", "reference-data", "network"),
        (Port("warehouses", "csv", "Sites as CSV.", WAREHOUSE_COLUMNS, latency=(7, "d")),),
        rows=60, quick_rows=60, generate=warehouses,
    ),
    Product(
        "logistics", "shipments", "Shipments",
        "Every parcel we shipped: carrier, service level, promise and delivery.",
        "Parcels handed to carriers, **one row per parcel**.\n\n"
        "- `delivered_ts` from the carrier's proof of delivery\n- promise: 3 days after handover\n",
        "Delivery performance, carrier mix, cost allocation.",
        ("shipments", "delivery", "carriers"),
        (Port("shipments", "parquet", "Shipments as Parquet.", SHIPMENT_COLUMNS, latency=(24, "h"),
              latency_element="shipped_ts",
              sql_rules=(("delivered_after_shipped", "SELECT COUNT(*) FROM {object} WHERE delivered_ts < shipped_ts",
                          "mustBe", 0),)),),
        rows=90_000, quick_rows=2_500, generate=shipments, inputs=("sales.orders", "logistics.warehouses"),
    ),
    Product(
        "logistics", "carrier_performance", "Carrier performance",
        "Weekly on-time rate and transit time per carrier and destination.",
        "Scorecard derived from **shipments**.\n\n- one row per carrier, week and country (52 weeks)\n"
        "- on time: delivered on or before the promised date\n",
        "Quarterly carrier reviews and routing rules.",
        ("carriers", "kpi", "delivery"),
        (Port("carrier_performance", "csv", "Scorecard as CSV.", CARRIER_COLUMNS, latency=(7, "d")),),
        rows=len(CARRIERS) * CARRIER_WEEKS * len(fake.COUNTRIES),
        quick_rows=len(CARRIERS) * CARRIER_WEEKS * len(fake.COUNTRIES),
        generate=carrier_performance, inputs=("logistics.shipments",),
    ),
    Product(
        "logistics", "inventory_snapshots", "Inventory snapshots",
        "Daily stock counts per warehouse and item.",
        "Stock levels from the warehouse management system, counted **every night**.\n\n"
        "- `on_hand` includes `reserved` units\n- freshness objective: 24 hours\n",
        "Availability, replenishment and stock-out alerts.",
        ("inventory", "stock", "warehouses"),
        (Port("inventory_snapshots", "parquet", "Snapshots as Parquet.", SNAPSHOT_COLUMNS,
              latency=(truth.STALE_SNAPSHOTS.slo_hours, "h"), latency_element="snapshot_ts"),),
        rows=120_000, quick_rows=3_000, generate=inventory_snapshots,
        inputs=("logistics.warehouses", "product.catalog_items"),
    ),
    Product(
        "logistics", "delivery_events", "Delivery events",
        "Carrier tracking scans of every parcel, from label to doorstep.",
        "Tracking events pushed by the carriers' webhooks.\n\n- several events per shipment\n"
        "- status codes normalised across carriers\n",
        "Where parcels get stuck; transit-time breakdowns.",
        ("tracking", "carriers", "events"),
        (Port("delivery_events", "parquet", "Events as Parquet.", DELIVERY_EVENT_COLUMNS, latency=(24, "h"),
              latency_element="event_ts"),),
        rows=300_000, quick_rows=6_000, generate=delivery_events, inputs=("logistics.shipments",),
    ),
    Product(
        "logistics", "returns", "Returns",
        "Customer returns with reason, condition and refund.",
        "Returns handled by the returns centre.\n\n- `condition` is set on arrival\n"
        "- see the [returns policy](https://www.example.com/returns)\n",
        "Return rates per item and reason; refund liabilities.",
        ("returns", "refunds"),
        (Port("returns", "csv", "Returns as CSV.", RETURN_COLUMNS, latency=(1, "d")),),
        rows=8_000, quick_rows=300, generate=returns, inputs=("logistics.shipments", "sales.orders"),
    ),
)
