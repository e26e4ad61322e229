"""The sales domain: customers, orders and what is derived from them."""
from __future__ import annotations

import numpy as np

from demo import fake, truth
from demo.mesh._build import (
    amount,
    cat,
    conform,
    count,
    day,
    days_before,
    flag,
    key,
    pii,
    ref,
    table,
    text,
    ts,
)
from demo.spec import DomainSpec, Port, Product

DOMAIN = DomainSpec(
    "sales", "Sales",
    "Everything from the first order to the last refund: customers, orders, order lines and the "
    "revenue figures the rest of the company reports on.",
    "#sales-data", members=("analyst", "engineer"),
)
ORDER_STATUSES = ("placed", "paid", "shipped", "delivered", "cancelled", "returned")
SEGMENTS = ("consumer", "smb", "enterprise")
PHONE_PATTERN = r"^\+[1-9][0-9]{7,14}$"

CUSTOMER_COLUMNS = (
    key("customer_id", "Surrogate key of the customer."),
    pii("full_name", "First and last name as entered at sign-up.", required=True),
    pii("email", "Contact e-mail; may be missing for phone-only customers.", max_null_percent=1.0),
    pii("phone", "Phone number in E.164 form.", required=True, pattern=PHONE_PATTERN,
        max_invalid_percent=0.5),
    cat("country", "ISO 3166-1 alpha-2 country of the billing address.", fake.COUNTRIES.tolist()),
    cat("segment", "Commercial segment.", SEGMENTS),
    ts("signup_ts", "When the customer account was created"),
    flag("marketing_opt_in", "Whether the customer agreed to marketing e-mails."),
)


def customers(ctx):
    n, rng = ctx.rows("sales.customers"), ctx.rng("sales.customers")
    first, last, names = fake.full_names(rng, n)
    ids = fake.ids(n)
    emails = fake.emails(first, last, ids)
    phones = fake.phones(rng, n)
    spoil = ctx.rng("sales.customers", "defects")
    null_at = fake.pick_positions(spoil, n, truth.NULL_EMAILS.affected_rows(n))
    bad_at = fake.pick_positions(spoil, n, truth.INVALID_PHONES.affected_rows(n))
    phones = fake.replace_at(phones, bad_at, fake.choice(spoil, truth.INVALID_PHONES.invalid_values, len(bad_at)))
    return table(
        CUSTOMER_COLUMNS, customer_id=ids, full_name=names, email=fake.with_nulls(emails, null_at),
        phone=phones, country=fake.choice(rng, fake.COUNTRIES, n, p=fake.COUNTRY_WEIGHTS),
        segment=fake.choice(rng, SEGMENTS, n, p=[0.7, 0.22, 0.08]),
        signup_ts=fake.timestamps(rng, n, ctx.anchor, 3 * 365), marketing_opt_in=rng.random(n) < 0.4,
    )


ORDER_COLUMNS = (
    key("order_id", "Order number, unique per order."),
    ref("customer_id", "The customer who placed the order (sales.customers)."),
    ts("order_ts", "When the order was placed"),
    cat("channel", "Where the order was placed.", fake.CHANNELS.tolist()),
    cat("status", "Fulfilment status of the order.", ORDER_STATUSES),
    cat("currency", "ISO 4217 currency of the amounts.", fake.CURRENCIES.tolist()),
    amount("total_amount", "Order total including tax, in the order currency."),
    cat("country", "Shipping country.", fake.COUNTRIES.tolist()),
)


def orders(ctx):
    n, rng = ctx.rows("sales.orders"), ctx.rng("sales.orders")
    ids = fake.ids(n, start=100_001)
    # A replayed batch re-used order numbers: some rows repeat another row's key.
    spoil = ctx.rng("sales.orders", "defects")
    k = truth.DUPLICATE_ORDER_IDS.affected_rows(n)
    positions = spoil.choice(n, size=2 * k, replace=False)
    ids[positions[:k]] = ids[positions[k:]]
    return table(
        ORDER_COLUMNS, order_id=ids, customer_id=rng.integers(1, ctx.rows("sales.customers") + 1, n),
        order_ts=fake.timestamps(rng, n, ctx.anchor, 365),
        channel=fake.choice(rng, fake.CHANNELS, n, p=[0.55, 0.3, 0.1, 0.05]),
        status=fake.choice(rng, ORDER_STATUSES, n, p=[0.05, 0.1, 0.1, 0.65, 0.06, 0.04]),
        currency=fake.choice(rng, fake.CURRENCIES, n, p=[0.7, 0.12, 0.1, 0.04, 0.04]),
        total_amount=fake.money(rng, n, 64.0), country=fake.choice(rng, fake.COUNTRIES, n, p=fake.COUNTRY_WEIGHTS),
    )


LINE_COLUMNS = (
    key("line_id", "Surrogate key of the order line."),
    ref("order_id", "The order this line belongs to (sales.orders)."),
    ref("item_id", "The catalogue item sold (product.catalog_items)."),
    count("quantity", "Units ordered."),
    amount("unit_price", "Price per unit before discount, in the order currency."),
    amount("discount_pct", "Discount applied to the line, 0–100."),
    amount("line_amount", "quantity × unit_price × (1 − discount)."),
)


def order_lines(ctx):
    n, rng = ctx.rows("sales.order_lines"), ctx.rng("sales.order_lines")
    quantity = rng.integers(1, 6, n)
    price = fake.money(rng, n, 24.0, 0.7)
    discount = fake.choice(rng, [0.0, 0.0, 0.0, 5.0, 10.0, 20.0], n)
    return table(
        LINE_COLUMNS, line_id=fake.ids(n), order_id=np.sort(rng.integers(100_001, 100_001 + ctx.rows("sales.orders"), n)),
        item_id=rng.integers(1, ctx.rows("product.catalog_items") + 1, n), quantity=quantity, unit_price=price,
        discount_pct=discount, line_amount=np.round(quantity * price * (1 - discount / 100), 2),
    )


REVENUE_DAYS = 365
REVENUE_COLUMNS = (
    day("day", "UTC calendar day.", pk=True),
    cat("channel", "Sales channel.", fake.CHANNELS.tolist()),
    count("orders", "Orders placed that day in that channel, cancelled ones excluded."),
    amount("revenue", "Sum of order totals (nominal, all currencies), cancelled orders excluded."),
    amount("average_order_value", "revenue ÷ orders; 0 on days without orders."),
)


def daily_revenue(ctx):
    o = ctx.table("sales.orders")
    return conform(REVENUE_COLUMNS, ctx.query(
        """
        WITH grid AS (
            SELECT CAST(d AS DATE) AS day, c AS channel
            FROM range(CAST($first AS DATE), CAST($today AS DATE), INTERVAL 1 DAY) AS t(d),
                 unnest(CAST($channels AS VARCHAR[])) AS u(c)
        ), kept AS (
            SELECT CAST(order_ts AS DATE) AS day, channel, total_amount FROM o WHERE status <> 'cancelled'
        )
        SELECT g.day, g.channel, count(k.total_amount) AS orders,
               round(coalesce(sum(k.total_amount), 0), 2) AS revenue,
               round(coalesce(avg(k.total_amount), 0), 2) AS average_order_value
        FROM grid g LEFT JOIN kept k USING (day, channel)
        GROUP BY ALL ORDER BY g.day, g.channel
        """,
        {"first": str(days_before(ctx.anchor, REVENUE_DAYS)[0]), "today": str(ctx.anchor.astype("datetime64[D]")),
         "channels": fake.CHANNELS.tolist()},
        o=o,
    ))


OPPORTUNITY_STAGES = ("prospecting", "qualified", "proposal", "negotiation", "won", "lost")
OPPORTUNITY_COLUMNS = (
    key("opportunity_id", "CRM opportunity id."),
    ref("customer_id", "Account the deal is with (sales.customers)."),
    cat("stage", "Pipeline stage.", OPPORTUNITY_STAGES),
    amount("amount_eur", "Expected deal value in EUR."),
    amount("probability", "Win probability from the stage, 0–1."),
    day("expected_close_date", "When the deal is expected to close."),
    text("sales_rep", "Account executive owning the deal.", required=True),
)


def opportunities(ctx):
    n, rng = ctx.rows("sales.opportunities"), ctx.rng("sales.opportunities")
    stage = rng.integers(0, len(OPPORTUNITY_STAGES), n)
    close = ctx.anchor.astype("datetime64[D]") + rng.integers(-60, 120, n)
    return table(
        OPPORTUNITY_COLUMNS, opportunity_id=fake.ids(n), customer_id=rng.integers(1, ctx.rows("sales.customers") + 1, n),
        stage=np.array(OPPORTUNITY_STAGES)[stage], amount_eur=fake.money(rng, n, 12_000, 1.0),
        probability=np.array([0.1, 0.25, 0.5, 0.7, 1.0, 0.0])[stage], expected_close_date=close,
        sales_rep=fake.full_names(rng, n)[2],
    )


EXPORT_COLUMNS = (
    key("order_id", "Order number."),
    pii("customer_email", "E-mail of the buyer (copied into the export, hence PII).", required=True),
    day("order_date", "Order day (UTC)."),
    amount("total", "Order total."),
    cat("currency", "Currency of the total.", fake.CURRENCIES.tolist()),
)


def orders_v1_export(ctx):
    n, rng = ctx.rows("sales.orders_v1_export"), ctx.rng("sales.orders_v1_export")
    first, last, _ = fake.full_names(rng, n)
    return table(
        EXPORT_COLUMNS, order_id=fake.ids(n, start=1), customer_email=fake.emails(first, last, rng.integers(1, 9999, n)),
        order_date=fake.timestamps(rng, n, ctx.anchor, 365),
        total=fake.money(rng, n, 60.0), currency=fake.choice(rng, fake.CURRENCIES, n),
    )


PRODUCTS = (
    Product(
        "sales", "customers", "Customers",
        "Every customer account with contact details, country and segment.",
        "The **customer master** of the web shop and the marketplace.\n\n"
        "- one row per customer account, never deleted (GDPR erasure blanks the contact fields)\n"
        "- `email` and `phone` are personal data: request access before use\n"
        "- segments follow the [segmentation policy](https://wiki.example.com/sales/segments)\n",
        "Join orders, tickets and engagement on `customer_id`. Use `segment` for reporting.",
        ("customers", "crm", "master-data"),
        (Port("customers", "csv", "Nightly CSV snapshot of the customer master.", CUSTOMER_COLUMNS,
              latency=(1, "d"), availability=99.9),),
        rows=20_000, quick_rows=800, generate=customers,
        limitations="Contains personal data; only for purposes covered by the privacy notice.",
    ),
    Product(
        "sales", "orders", "Orders",
        "All orders from every sales channel, one row per order.",
        "The **system of record for orders**, fed by the checkout service.\n\n"
        "- amounts are in the order currency; convert with `finance.fx_rates`\n"
        "- cancelled orders stay, with `status = cancelled`\n"
        "- see the [order lifecycle](https://wiki.example.com/sales/order-lifecycle)\n",
        "Filter on `status`; join `sales.order_lines` on `order_id` for items.",
        ("orders", "revenue", "core"),
        (Port("orders", "parquet", "Orders as Parquet, refreshed hourly.", ORDER_COLUMNS, latency=(24, "h"),
              latency_element="order_ts", availability=99.9,
              sql_rules=(("no_negative_totals", "SELECT COUNT(*) FROM {object} WHERE total_amount < 0", "mustBe", 0),)),),
        rows=100_000, quick_rows=3_000, generate=orders, inputs=("sales.customers",),
    ),
    Product(
        "sales", "order_lines", "Order lines",
        "Line items of every order: item, quantity, price and discount.",
        "One row per item in an order.\n\n"
        "- `line_amount` is after discount\n- prices are in the order currency\n",
        "Aggregate by `item_id` for item revenue; join `product.catalog_items` for titles.",
        ("orders", "items"),
        (Port("order_lines", "parquet", "Order lines as Parquet.", LINE_COLUMNS, latency=(24, "h"),
              sql_rules=(("positive_quantities", "SELECT COUNT(*) FROM {object} WHERE quantity <= 0", "mustBe", 0),)),),
        rows=250_000, quick_rows=6_000, generate=order_lines, inputs=("sales.orders", "product.catalog_items"),
    ),
    Product(
        "sales", "daily_revenue", "Daily revenue",
        "Revenue and order counts per day and channel, for dashboards.",
        "Daily revenue, **derived from `sales.orders`**.\n\n"
        "- one row per day and channel for the last 365 days (zero rows included)\n"
        "- cancelled orders are excluded\n"
        "- also published as a warehouse table for BI tools\n",
        "Plot `revenue` by `day`; sum over channels for the company total.",
        ("revenue", "kpi", "dashboard"),
        (
            Port("daily_revenue", "csv", "Daily revenue as CSV.", REVENUE_COLUMNS, latency=(2, "d"),
                 latency_element="day",
                 sql_rules=(("revenue_not_negative", "SELECT MIN(revenue) FROM {object}", "mustBeGreaterOrEqualTo", 0),)),
            Port("daily_revenue_warehouse", "duckdb", "The same figures as a warehouse table.", REVENUE_COLUMNS,
                 table="sales.daily_revenue", latency=(2, "d"), latency_element="day"),
        ),
        rows=REVENUE_DAYS * len(fake.CHANNELS), quick_rows=REVENUE_DAYS * len(fake.CHANNELS),
        generate=daily_revenue, inputs=("sales.orders",),
    ),
    Product(
        "sales", "opportunities", "Sales pipeline",
        "Open and closed B2B opportunities from the CRM.",
        "Work in progress: the CRM export is being validated.\n\n- stages follow the sales playbook\n",
        "Not for reporting yet.",
        ("crm", "pipeline", "b2b"),
        (Port("opportunities", "csv", "CRM opportunities.", OPPORTUNITY_COLUMNS, latency=(1, "d")),),
        rows=8_000, quick_rows=300, generate=opportunities, inputs=("sales.customers",),
        status="draft", visibility="internal",
    ),
    Product(
        "sales", "orders_v1_export", "Orders export (v1)",
        "The old flat order export. Use sales.orders instead.",
        "**Deprecated**: replaced by `sales.orders`; switched off at the end of the quarter.\n\n"
        "- flat file with the buyer's e-mail\n- no status, no channel\n",
        "Migrate to sales.orders.",
        ("orders", "legacy"),
        (Port("orders_v1_export", "csv", "Legacy export file.", EXPORT_COLUMNS, latency=(7, "d"),
              availability=95.0),),
        rows=50_000, quick_rows=1_000, generate=orders_v1_export, inputs=("sales.orders",),
        status="deprecated", successor="sales.orders",
    ),
)
