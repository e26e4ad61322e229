"""Words consumers use for the same business thing; expanded at query time by every backend.

Kept small and about domain vocabulary (not general English): each line is one set of
interchangeable words. Query-time expansion means a change here needs no reindex.
"""
from __future__ import annotations

SYNONYM_SETS: tuple[frozenset[str], ...] = tuple(
    frozenset(line.split())
    for line in """
    customer customers client clients buyer buyers shopper shoppers
    order orders purchase purchases
    revenue revenues income turnover earnings
    employee employees staff worker workers personnel headcount workforce
    invoice invoices bill bills billing
    payment payments transaction transactions
    shipment shipments delivery deliveries shipping logistics
    inventory stock stocks
    supplier suppliers vendor vendors
    price prices pricing
    churn attrition
    finance financial accounting
    hr people
    salary salaries pay payroll compensation
    web website clickstream pageview pageviews
    campaign campaigns marketing
    product products item items sku skus article articles
    forecast forecasts prediction predictions projection
    ledger ledgers bookkeeping
    return returns refund refunds
    region regions territory territories
    subscription subscriptions plan plans
    ticket tickets incident incidents
    """.strip().splitlines()
)

_INDEX: dict[str, frozenset[str]] = {word: s for s in SYNONYM_SETS for word in s}


def synonyms_of(word: str) -> tuple[str, ...]:
    """Other words of the word's set, sorted (empty when it has none)."""
    return tuple(sorted(_INDEX.get(word, frozenset()) - {word}))
