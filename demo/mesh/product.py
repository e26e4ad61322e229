"""The product domain: the catalogue of items, feature usage, experiments, flags and prices."""
from __future__ import annotations

import numpy as np

from demo import fake
from demo.mesh._build import amount, cat, count, day, flag, key, ref, table, text, ts
from demo.spec import DomainSpec, Port, Product

DOMAIN = DomainSpec(
    "product", "Product",
    "What we sell and how people use it: the item catalogue, price history, in-app feature usage, "
    "A/B experiments and feature flags.",
    "#product-analytics",
)
CATEGORIES = ("shoes", "bags", "apparel", "accessories", "home", "beauty")
FEATURES = ("search", "wishlist", "size_advisor", "one_click_checkout", "reviews", "outfit_builder", "chat")
APP_PLATFORMS = ("web", "ios", "android")

ITEM_COLUMNS = (
    key("item_id", "Catalogue item id."),
    text("sku", "Stock keeping unit.", required=True, unique=True, pattern=r"^SKU-[0-9]{6}$"),
    text("title", "Item title shown in the shop.", required=True),
    cat("category", "Top-level category.", CATEGORIES),
    amount("list_price_eur", "Current list price, EUR."),
    day("launched_date", "First day on sale."),
    flag("active", "Whether the item is on sale."),
)


def catalog_items(ctx):
    n, rng = ctx.rows("product.catalog_items"), ctx.rng("product.catalog_items")
    category = fake.choice(rng, CATEGORIES, n)
    adjectives = fake.choice(rng, ["Classic", "Urban", "Essential", "Premium", "Everyday", "Trail"], n)
    return table(
        ITEM_COLUMNS, item_id=fake.ids(n), sku=fake.coded("SKU-", fake.ids(n)),
        title=np.char.add(np.char.add(adjectives, " "), category), category=category,
        list_price_eur=fake.money(rng, n, 39.0, 0.6), launched_date=ctx.anchor.astype("datetime64[D]") - rng.integers(30, 1500, n),
        active=rng.random(n) < 0.85,
    )


USAGE_COLUMNS = (
    key("event_id", "Usage event id."),
    ref("customer_id", "Signed-in customer (sales.customers)."),
    cat("feature", "Feature used.", FEATURES),
    cat("platform", "App platform.", APP_PLATFORMS),
    ts("event_ts", "When the feature was used"),
    count("duration_seconds", "Time spent in the feature."),
)


def feature_usage(ctx):
    n, rng = ctx.rows("product.feature_usage"), ctx.rng("product.feature_usage")
    return table(
        USAGE_COLUMNS, event_id=fake.ids(n), customer_id=rng.integers(1, ctx.rows("sales.customers") + 1, n),
        feature=fake.choice(rng, FEATURES, n), platform=fake.choice(rng, APP_PLATFORMS, n, p=[0.5, 0.3, 0.2]),
        event_ts=fake.timestamps(rng, n, ctx.anchor, 60), duration_seconds=rng.geometric(1 / 45, n),
    )


EXPERIMENT_COLUMNS = (
    key("experiment_variant_id", "One row per experiment arm."),
    text("experiment", "Experiment key.", required=True),
    cat("variant", "Arm of the experiment.", ("control", "treatment_a", "treatment_b")),
    cat("feature", "Feature under test.", FEATURES),
    count("users", "Users exposed."),
    count("conversions", "Users who converted."),
    amount("conversion_rate", "conversions ÷ users."),
    cat("status", "Experiment state.", ("running", "stopped", "shipped")),
)


def experiments(ctx):
    n, rng = ctx.rows("product.experiments"), ctx.rng("product.experiments")
    users = rng.integers(500, 40_000, n)
    conversions = rng.binomial(users, rng.uniform(0.02, 0.07, n))
    arm = np.arange(n) % 3
    return table(
        EXPERIMENT_COLUMNS, experiment_variant_id=fake.ids(n), experiment=fake.coded("exp-", np.arange(n) // 3 + 1, 4),
        variant=np.array(["control", "treatment_a", "treatment_b"])[arm],
        feature=np.repeat(fake.choice(rng, FEATURES, n // 3 + 1), 3)[:n], users=users, conversions=conversions,
        conversion_rate=np.round(conversions / users, 5),
        status=np.repeat(fake.choice(rng, ["running", "stopped", "shipped"], n // 3 + 1), 3)[:n],
    )


FLAG_COLUMNS = (
    text("flag_key", "Flag key.", required=True, unique=True),
    flag("enabled", "Whether the flag is on."),
    amount("rollout_percent", "Share of users who get the flag, 0–100."),
    ts("updated_ts", "Last change"),
)

LEGACY_EVENT_COLUMNS = (
    key("event_id", "Event id."),
    text("user_ref", "Tracking id of the user.", required=True),
    text("event_name", "Event name.", required=True),
    ts("event_ts", "When the event happened"),
)


def app_events_legacy(ctx):
    n, rng = ctx.rows("product.app_events_legacy"), ctx.rng("product.app_events_legacy")
    return table(
        LEGACY_EVENT_COLUMNS, event_id=fake.ids(n), user_ref=fake.coded("u", rng.integers(1, 50_000, n), 7),
        event_name=fake.choice(rng, ["app_open", "view_item", "add_to_cart", "purchase"], n),
        event_ts=fake.timestamps(rng, n, ctx.anchor - np.timedelta64(500, "D"), 365),
    )


PRICE_COLUMNS = (
    key("price_change_id", "Price change id."),
    ref("item_id", "Item repriced (product.catalog_items)."),
    day("effective_date", "First day of the new price."),
    amount("old_price_eur", "Price before, EUR."),
    amount("new_price_eur", "Price after, EUR."),
    cat("reason", "Why the price changed.", ("promotion", "cost_increase", "clearance", "competitor_match")),
)


def pricing_history(ctx):
    n, rng = ctx.rows("product.pricing_history"), ctx.rng("product.pricing_history")
    old = fake.money(rng, n, 39.0, 0.6)
    return table(
        PRICE_COLUMNS, price_change_id=fake.ids(n), item_id=rng.integers(1, ctx.rows("product.catalog_items") + 1, n),
        effective_date=ctx.anchor.astype("datetime64[D]") - rng.integers(1, 730, n), old_price_eur=old,
        new_price_eur=np.round(old * rng.uniform(0.6, 1.2, n), 2),
        reason=fake.choice(rng, ["promotion", "cost_increase", "clearance", "competitor_match"], n),
    )


PRODUCTS = (
    Product(
        "product", "catalog_items", "Catalogue items",
        "Every item we sell, with SKU, category and list price.",
        "The **item master** from the product information system.\n\n"
        "- inactive items stay listed with `active = false`\n- prices change: see `product.pricing_history`\n",
        "Join order lines, inventory and prices on `item_id`.",
        ("items", "catalogue", "master-data"),
        (Port("catalog_items", "csv", "Items as CSV.", ITEM_COLUMNS, latency=(1, "d")),),
        rows=5_000, quick_rows=300, generate=catalog_items,
    ),
    Product(
        "product", "feature_usage", "Feature usage",
        "In-app feature usage events of signed-in customers.",
        "Product analytics events, **last 60 days**.\n\n- one row per feature interaction\n"
        "- [event taxonomy](https://wiki.example.com/product/events)\n",
        "Adoption and engagement per feature and platform.",
        ("usage", "engagement", "analytics"),
        (Port("feature_usage", "parquet", "Usage events as Parquet.", USAGE_COLUMNS, latency=(36, "h"),
              latency_element="event_ts"),),
        rows=200_000, quick_rows=5_000, generate=feature_usage, inputs=("sales.customers",),
    ),
    Product(
        "product", "experiments", "Experiment results",
        "Users and conversions per arm of every A/B experiment.",
        "Results computed from **feature usage**.\n\n1. users are bucketed per experiment\n"
        "2. conversions counted within 7 days\n",
        "Compare `conversion_rate` between arms; check significance before shipping.",
        ("experiments", "ab-testing"),
        (Port("experiments", "csv", "Experiment arms as CSV.", EXPERIMENT_COLUMNS, latency=(1, "d")),),
        rows=3_000, quick_rows=150, generate=experiments, inputs=("product.feature_usage",),
    ),
    Product(
        "product", "feature_flags", "Feature flags",
        "Current state of every feature flag, from the flag service.",
        "Served by the **feature flag API**.\n\n- internal: flags reveal unreleased work\n",
        "Read the API before analysing an experiment.",
        ("flags", "api"),
        (Port("feature_flags_api", "api", "REST API of the flag service.", FLAG_COLUMNS,
              url="https://api.example.com/product/flags/v2", latency=(1, "h"), availability=99.95),),
        rows=0, quick_rows=0, visibility="internal",
    ),
    Product(
        "product", "app_events_legacy", "App events (legacy)",
        "Raw app events from the old tracking SDK.",
        "**Retired**: the old SDK was switched off; use `product.feature_usage`.\n",
        "None: kept for the record.",
        ("legacy", "events"),
        (Port("app_events_legacy", "parquet", "Frozen event dump.", LEGACY_EVENT_COLUMNS, latency=None,
              availability=90.0),),
        rows=20_000, quick_rows=500, generate=app_events_legacy, status="retired",
    ),
    Product(
        "product", "pricing_history", "Price history",
        "Every list-price change of every item.",
        "Price changes from the pricing engine.\n\n- reasons: promotion, cost increase, clearance, competitor match\n",
        "Price elasticity together with `sales.order_lines`.",
        ("pricing", "items"),
        (Port("pricing_history", "csv", "Price changes as CSV.", PRICE_COLUMNS, latency=(1, "d")),),
        rows=12_000, quick_rows=400, generate=pricing_history, inputs=("product.catalog_items",),
    ),
)
