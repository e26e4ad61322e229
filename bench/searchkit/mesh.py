"""A generated mesh of N realistic products for the search benchmarks (seeded, so runs compare)."""
from __future__ import annotations

import random

DOMAINS = [
    "sales", "finance", "marketing", "hr", "logistics", "supply", "support", "product", "web", "risk", "legal",
    "procurement", "manufacturing", "inventory", "payments", "billing", "research", "security", "platform", "partners",
]
ENTITIES = [
    "customer", "order", "invoice", "payment", "shipment", "product", "supplier", "employee", "campaign", "lead",
    "account", "contract", "ticket", "refund", "subscription", "warehouse", "store", "session", "pageview", "claim",
    "policy", "transaction", "ledger", "budget", "forecast", "price", "discount", "coupon", "review", "return",
    "vendor", "carrier", "route", "device", "sensor", "machine", "batch", "recipe", "patent", "trial", "incident",
    "alert", "login", "user", "partner", "region", "territory", "quota", "commission", "salary",
]
SUFFIXES = ["events", "snapshot", "daily summary", "monthly summary", "facts", "history", "status", "metrics",
            "by region", "by channel", "scores", "lines", "attributes", "changes", "backlog"]
ADJECTIVES = ["", "", "", "Daily", "Monthly", "Weekly", "Real-time", "Historical", "Curated", "Raw", "Certified"]
COLUMN_WORDS = ["id", "name", "amount", "currency", "created_at", "updated_at", "status", "country", "region", "email",
                "phone", "quantity", "unit_price", "total", "discount_rate", "channel", "segment", "score", "category",
                "valid_from", "valid_to", "owner", "source", "type", "code", "description", "tax", "margin"]
TAGS = ["gold", "silver", "bronze", "kpi", "pii", "gdpr", "finance", "operations", "realtime", "batch", "certified",
        "experimental", "core", "reference", "external", "ml", "reporting", "audit", "customer-360", "sox"]
FILLER = ("used by analysts and downstream teams for reporting dashboards and machine learning features with "
          "daily refresh from the operational systems deduplicated and validated against the contract").split()
STATUSES = ["published"] * 80 + ["draft"] * 8 + ["deprecated"] * 8 + ["retired"] * 4
VISIBILITIES = ["public"] * 80 + ["internal"] * 15 + ["restricted"] * 5
FORMATS = ["parquet", "csv", "jsonl", "table"]


def product_rows(n: int, seed: int = 7):
    """Yield dicts describing n products: identity, text, status, tags, columns, owner."""
    rng = random.Random(seed)
    for i in range(n):
        entity, suffix = rng.choice(ENTITIES), rng.choice(SUFFIXES)
        domain = rng.choice(DOMAINS)
        name = " ".join(w for w in (rng.choice(ADJECTIVES), entity.title(), suffix) if w)
        slug = f"{entity}_{suffix.replace(' ', '_')}_{i}"
        columns = [f"{entity}_id"] + rng.sample(COLUMN_WORDS, rng.randint(3, 8))
        other = rng.choice(ENTITIES)
        yield {
            "domain": domain, "slug": slug, "name": name,
            "description": f"{name} of the {domain} domain, joined with {other} data; " + " ".join(rng.sample(FILLER, 12)),
            "status": rng.choice(STATUSES), "visibility": rng.choice(VISIBILITIES),
            "tags": rng.sample(TAGS, rng.randint(1, 3)), "columns": columns, "format": rng.choice(FORMATS),
            "quality": round(rng.uniform(30, 100), 1) if rng.random() < 0.8 else None,
            "usage": int(rng.paretovariate(1.2) * 3), "owner": f"{domain}-owner-{rng.randint(1, 5)}",
        }


def mixed_queries(n: int, identifiers: list[str], seed: int = 11) -> list[dict]:
    """n consumer queries: words, pairs, dotted identifiers, column names, typos, prefixes, filtered."""
    rng = random.Random(seed)
    out = []
    for k in range(n):
        entity, suffix = rng.choice(ENTITIES), rng.choice(SUFFIXES)
        kind = k % 10
        if kind in (0, 1, 2):
            params = {"q": entity}
        elif kind in (3, 4):
            params = {"q": f"{entity} {suffix.split()[0]}"}
        elif kind == 5:
            params = {"q": rng.choice(COLUMN_WORDS) if k % 20 < 10 else rng.choice(identifiers)}
        elif kind == 6:
            cut = rng.randrange(1, len(entity) - 1)
            params = {"q": entity[:cut] + entity[cut + 1:]}  # a typo: one letter missing
        elif kind == 7:
            params = {"q": entity[:4]}  # typing
        elif kind == 8:
            params = {"q": entity, "domain": rng.choice(DOMAINS)}
        else:
            params = {"q": f"{entity} {suffix.split()[0]}", "tag": rng.choice(TAGS), "status": "published"}
        out.append(params)
    return out
