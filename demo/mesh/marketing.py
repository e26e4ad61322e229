"""The marketing domain: campaigns, web sessions, e-mail engagement, spend and attribution."""
from __future__ import annotations

import numpy as np

from demo import fake, truth
from demo.mesh._build import amount, cat, count, day, flag, key, ref, table, text, ts
from demo.spec import Col, DomainSpec, Port, Product

DOMAIN = DomainSpec(
    "marketing", "Marketing",
    "Campaigns, the traffic they bring and what it is worth: sessions, e-mail engagement, spend "
    "and multi-touch attribution.",
    "#marketing-analytics",
)
CAMPAIGN_CHANNELS = ("search", "social", "email", "display", "affiliate")
PLATFORMS = ("google_ads", "meta", "linkedin", "tiktok", "bing_ads")
DEVICES = ("desktop", "mobile", "tablet")
LANDING_PAGES = ("/", "/sale", "/new-in", "/category/shoes", "/category/bags", "/blog", "/product")
UTM_SOURCES = ("google", "meta", "newsletter", "linkedin", "tiktok", "partner")

CAMPAIGN_COLUMNS = (
    key("campaign_id", "Campaign id from the marketing planner."),
    text("name", "Campaign name.", required=True),
    cat("channel", "Marketing channel.", CAMPAIGN_CHANNELS),
    cat("objective", "What the campaign optimises for.", ("awareness", "consideration", "conversion", "retention")),
    day("start_date", "First day the campaign runs."),
    day("end_date", "Last day the campaign runs."),
    amount("budget_eur", "Planned budget in EUR."),
)


def campaigns(ctx):
    n, rng = ctx.rows("marketing.campaigns"), ctx.rng("marketing.campaigns")
    start = ctx.anchor.astype("datetime64[D]") - rng.integers(0, 700, n)
    themes = fake.choice(rng, ["Spring", "Summer", "Back to school", "Black Friday", "Winter", "Brand"], n)
    return table(
        CAMPAIGN_COLUMNS, campaign_id=fake.ids(n), name=np.char.add(np.char.add(themes, " #"), fake.ids(n).astype(str)),
        channel=fake.choice(rng, CAMPAIGN_CHANNELS, n), objective=fake.choice(rng, ["awareness", "consideration",
                                                                                  "conversion", "retention"], n),
        start_date=start, end_date=start + rng.integers(7, 60, n), budget_eur=fake.money(rng, n, 8_000, 0.9),
    )


SESSION_COLUMNS = (
    key("session_id", "Session id from the web analytics collector."),
    ref("visitor_id", "Pseudonymous cookie id of the browser."),
    ref("customer_id", "Logged-in customer, if any (sales.customers).", required=False),
    ts("started_ts", "Session start"),
    count("duration_seconds", "Time between first and last hit."),
    cat("device", "Device class.", DEVICES),
    cat("landing_page", "First page of the session.", LANDING_PAGES),
    cat("utm_source", "Traffic source from the UTM tags.", UTM_SOURCES, required=False),
    ref("campaign_id", "Campaign from the UTM tags (marketing.campaigns).", required=False),
    count("pageviews", "Pages viewed."),
    flag("converted", "Whether the session ended in an order."),
)


def web_sessions(ctx):
    n, rng = ctx.rows("marketing.web_sessions"), ctx.rng("marketing.web_sessions")
    logged_in = rng.random(n) < 0.3
    tagged = rng.random(n) < 0.55
    return table(
        SESSION_COLUMNS, session_id=fake.ids(n, start=10_000_000), visitor_id=rng.integers(1, n // 3 + 2, n),
        customer_id=fake.with_nulls(rng.integers(1, ctx.rows("sales.customers") + 1, n), np.flatnonzero(~logged_in)),
        started_ts=fake.timestamps(rng, n, ctx.anchor, 90), duration_seconds=rng.geometric(1 / 240, n),
        device=fake.choice(rng, DEVICES, n, p=[0.38, 0.55, 0.07]), landing_page=fake.choice(rng, LANDING_PAGES, n),
        utm_source=fake.with_nulls(fake.choice(rng, UTM_SOURCES, n), np.flatnonzero(~tagged)),
        campaign_id=fake.with_nulls(rng.integers(1, ctx.rows("marketing.campaigns") + 1, n), np.flatnonzero(~tagged)),
        pageviews=rng.geometric(0.25, n), converted=rng.random(n) < 0.031,
    )


ENGAGEMENT_EVENTS = ("sent", "delivered", "opened", "clicked", "bounced", "unsubscribed")
ENGAGEMENT_COLUMNS = (
    key("event_id", "Event id from the e-mail service provider."),
    ref("campaign_id", "The e-mail campaign (marketing.campaigns)."),
    ref("customer_id", "Recipient (sales.customers); the address itself is not exported."),
    cat("event_type", "What happened to the e-mail.", ENGAGEMENT_EVENTS),
    ts("event_ts", "When the event was reported"),
)


def email_engagement(ctx):
    n, rng = ctx.rows("marketing.email_engagement"), ctx.rng("marketing.email_engagement")
    return table(
        ENGAGEMENT_COLUMNS, event_id=fake.ids(n), campaign_id=rng.integers(1, ctx.rows("marketing.campaigns") + 1, n),
        customer_id=rng.integers(1, ctx.rows("sales.customers") + 1, n),
        event_type=fake.choice(rng, ENGAGEMENT_EVENTS, n, p=[0.4, 0.36, 0.15, 0.05, 0.03, 0.01]),
        event_ts=fake.timestamps(rng, n, ctx.anchor, 180),
    )


ATTRIBUTION_COLUMNS = (
    key("order_id", "The attributed order (sales.orders)."),
    ref("session_id", "Converting session (marketing.web_sessions)."),
    ref("campaign_id", "Campaign credited, if any (marketing.campaigns).", required=False),
    cat("channel", "Channel credited.", CAMPAIGN_CHANNELS + ("direct",)),
    cat("model", "Attribution model.", ("last_touch", "position_based")),
    amount("attributed_revenue", "Share of the order total credited, in the order currency."),
)


def attribution(ctx):
    orders = ctx.table("sales.orders")
    n, rng = ctx.rows("marketing.attribution"), ctx.rng("marketing.attribution")
    direct = rng.random(n) < 0.35
    channel = np.where(direct, "direct", fake.choice(rng, CAMPAIGN_CHANNELS, n))
    share = np.where(rng.random(n) < 0.5, 1.0, 0.4)
    total = orders.column("total_amount").to_numpy()[:n]
    return table(
        ATTRIBUTION_COLUMNS, order_id=fake.ids(n, start=100_001),
        session_id=rng.integers(10_000_000, 10_000_000 + ctx.rows("marketing.web_sessions"), n),
        campaign_id=fake.with_nulls(rng.integers(1, ctx.rows("marketing.campaigns") + 1, n), np.flatnonzero(direct)),
        channel=channel, model=np.where(share == 1.0, "last_touch", "position_based"),
        attributed_revenue=np.round(total * share, 2),
    )


SPEND_COLUMNS = (
    key("spend_id", "Row id of the daily spend import."),
    ref("campaign_id", "Campaign (marketing.campaigns)."),
    day("day", "Day the spend was incurred (UTC)."),
    Col("platform", "string", "VARCHAR", "Ad platform the spend was booked on.", required=True,
        valid_values=PLATFORMS, max_null_percent=0.0),
    count("impressions", "Ad impressions."),
    count("clicks", "Ad clicks."),
    amount("spend_eur", "Spend in EUR."),
)


def ad_spend(ctx):
    n, rng = ctx.rows("marketing.ad_spend"), ctx.rng("marketing.ad_spend")
    platform = fake.choice(rng, PLATFORMS, n, p=[0.45, 0.3, 0.12, 0.08, 0.05])
    spoil = ctx.rng("marketing.ad_spend", "defects")
    bad = fake.pick_positions(spoil, n, truth.INVALID_PLATFORMS.affected_rows(n))
    platform = fake.replace_at(platform, bad, fake.choice(spoil, truth.INVALID_PLATFORMS.invalid_values, len(bad)))
    impressions = rng.integers(500, 200_000, n)
    clicks = (impressions * rng.uniform(0.002, 0.04, n)).astype(np.int64)
    return table(
        SPEND_COLUMNS, spend_id=fake.ids(n), campaign_id=rng.integers(1, ctx.rows("marketing.campaigns") + 1, n),
        day=fake.timestamps(rng, n, ctx.anchor - np.timedelta64(1, "D"), 365), platform=platform,
        impressions=impressions, clicks=clicks, spend_eur=np.round(clicks * rng.uniform(0.2, 2.5, n), 2),
    )


LEAD_COLUMNS = (
    key("customer_id", "Scored customer (sales.customers)."),
    amount("score", "Propensity to buy in the next 30 days, 0–1."),
    text("model_version", "Version of the scoring model.", required=True),
    ts("scored_ts", "When the score was computed"),
)

PRODUCTS = (
    Product(
        "marketing", "campaigns", "Campaigns",
        "Every marketing campaign with channel, objective, dates and budget.",
        "The campaign plan, exported from the marketing planner.\n\n"
        "- one row per campaign\n- budgets are planned, not spent: see `marketing.ad_spend`\n",
        "Join sessions, spend and engagement on `campaign_id`.",
        ("campaigns", "planning"),
        (Port("campaigns", "csv", "Campaign plan as CSV.", CAMPAIGN_COLUMNS, latency=(1, "d")),),
        rows=2_400, quick_rows=200, generate=campaigns,
    ),
    Product(
        "marketing", "web_sessions", "Web sessions",
        "Sessions on the web shop from the analytics collector, with source and outcome.",
        "Sessionised clickstream of the **last 90 days**.\n\n"
        "- `visitor_id` is a pseudonymous cookie id\n- `customer_id` only when logged in\n"
        "- sessionisation rules: [analytics handbook](https://wiki.example.com/marketing/sessions)\n",
        "Funnel and conversion analysis; join campaigns on `campaign_id`.",
        ("web", "clickstream", "analytics"),
        (Port("web_sessions", "parquet", "Sessions as Parquet, partitioned by nothing (yet).", SESSION_COLUMNS,
              latency=(24, "h"), latency_element="started_ts", availability=99.0),),
        rows=1_000_000, quick_rows=20_000, generate=web_sessions, inputs=("marketing.campaigns",),
    ),
    Product(
        "marketing", "email_engagement", "E-mail engagement",
        "Delivery, open and click events of marketing e-mails.",
        "Events reported by the e-mail service provider.\n\n- addresses are *not* included\n",
        "Open and click rates per campaign.",
        ("email", "engagement"),
        (Port("email_engagement", "parquet", "E-mail events as Parquet.", ENGAGEMENT_COLUMNS, latency=(1, "d")),),
        rows=150_000, quick_rows=4_000, generate=email_engagement,
        inputs=("marketing.campaigns", "sales.customers"),
    ),
    Product(
        "marketing", "attribution", "Marketing attribution",
        "Which campaign and channel earned each order.",
        "Order-level attribution combining **sessions** and **orders**.\n\n"
        "1. the converting session is matched to the order\n2. credit goes to its campaign (or *direct*)\n",
        "Return on ad spend together with `marketing.ad_spend`.",
        ("attribution", "roi", "revenue"),
        (Port("attribution", "parquet", "Attribution as Parquet.", ATTRIBUTION_COLUMNS, latency=(1, "d")),),
        rows=60_000, quick_rows=2_000, generate=attribution,
        inputs=("marketing.web_sessions", "sales.orders", "marketing.campaigns"),
    ),
    Product(
        "marketing", "ad_spend", "Ad spend",
        "Daily paid media spend, impressions and clicks per campaign and platform.",
        "Imported every morning from the ad platforms' APIs.\n\n"
        "- amounts converted to EUR at booking\n- platform names are normalised on import\n",
        "Cost per click and return on ad spend.",
        ("spend", "paid-media", "roi"),
        (Port("ad_spend", "csv", "Daily spend as CSV.", SPEND_COLUMNS, latency=(1, "d")),),
        rows=10_000, quick_rows=400, generate=ad_spend, inputs=("marketing.campaigns",),
    ),
    Product(
        "marketing", "lead_scores", "Lead scores",
        "Propensity-to-buy score per customer, served by the scoring API.",
        "Scores from the lead-scoring model, **served live** rather than as a file.\n\n"
        "- refreshed hourly\n- see the [model card](https://wiki.example.com/marketing/lead-model)\n",
        "Call the API with a customer id; batch use via the attribution product.",
        ("scoring", "ml", "api"),
        (Port("lead_scores_api", "api", "REST API returning a customer's current score.", LEAD_COLUMNS,
              url="https://api.example.com/marketing/lead-scores/v1", latency=(1, "h"), availability=99.9),),
        rows=0, quick_rows=0, inputs=("marketing.web_sessions", "marketing.email_engagement"),
    ),
)
