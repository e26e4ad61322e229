"""The finance domain: invoices, payments, revenue recognition, the ledger, FX and cost centres."""
from __future__ import annotations

import numpy as np

from demo import fake
from demo.mesh._build import amount, cat, day, days_before, flag, key, pii, ref, table, text, ts
from demo.spec import Col, DomainSpec, Port, Product

DOMAIN = DomainSpec(
    "finance", "Finance",
    "The money side of the business: invoicing, payments, revenue recognition under IFRS 15, the "
    "general ledger, exchange rates and cost centres.",
    "#finance-data",
)
IBAN_PATTERN = r"^[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}$"
CARD_PATTERN = r"^[0-9]{16}$"
PAYMENT_METHODS = ("card", "sepa_transfer", "paypal")
FX_CURRENCIES = ("GBP", "USD", "SEK", "PLN")
FX_DAYS = 365

INVOICE_COLUMNS = (
    key("invoice_id", "Invoice number."),
    ref("order_id", "The invoiced order (sales.orders)."),
    ref("customer_id", "Billed customer (sales.customers)."),
    day("issued_date", "Invoice date."),
    day("due_date", "Payment due date."),
    cat("currency", "Invoice currency.", fake.CURRENCIES.tolist()),
    amount("net_amount", "Amount before tax."),
    amount("tax_amount", "VAT or sales tax."),
    amount("gross_amount", "net_amount + tax_amount."),
    cat("status", "Collection status.", ("open", "paid", "overdue", "void")),
)


def invoices(ctx):
    n, rng = ctx.rows("finance.invoices"), ctx.rng("finance.invoices")
    net = fake.money(rng, n, 55.0)
    tax = np.round(net * fake.choice(rng, [0.19, 0.2, 0.21, 0.0], n), 2)
    issued = fake.timestamps(rng, n, ctx.anchor, 365).astype("datetime64[D]")
    return table(
        INVOICE_COLUMNS, invoice_id=fake.ids(n, start=500_001), order_id=rng.integers(100_001, 100_001 + ctx.rows("sales.orders"), n),
        customer_id=rng.integers(1, ctx.rows("sales.customers") + 1, n), issued_date=issued, due_date=issued + 30,
        currency=fake.choice(rng, fake.CURRENCIES, n, p=[0.7, 0.12, 0.1, 0.04, 0.04]), net_amount=net, tax_amount=tax,
        gross_amount=np.round(net + tax, 2), status=fake.choice(rng, ["open", "paid", "overdue", "void"], n, p=[0.12, 0.8, 0.06, 0.02]),
    )


PAYMENT_COLUMNS = (
    key("payment_id", "Payment id from the payment service provider."),
    ref("invoice_id", "Settled invoice (finance.invoices)."),
    ts("paid_ts", "When the payment was captured"),
    cat("method", "Payment method.", PAYMENT_METHODS),
    amount("amount", "Captured amount in the invoice currency."),
    cat("currency", "Currency of the amount.", fake.CURRENCIES.tolist()),
    pii("cardholder_name", "Name on the card (card payments only)."),
    pii("card_number", "Full card number (card payments only): PCI scope.", pattern=CARD_PATTERN),
    pii("iban", "Payer's IBAN (SEPA transfers only).", pattern=IBAN_PATTERN),
)


def payments(ctx):
    n, rng = ctx.rows("finance.payments"), ctx.rng("finance.payments")
    method = fake.choice(rng, PAYMENT_METHODS, n, p=[0.6, 0.25, 0.15])
    not_card, not_sepa = np.flatnonzero(method != "card"), np.flatnonzero(method != "sepa_transfer")
    return table(
        PAYMENT_COLUMNS, payment_id=fake.ids(n, start=9_000_001),
        invoice_id=rng.integers(500_001, 500_001 + ctx.rows("finance.invoices"), n),
        paid_ts=fake.timestamps(rng, n, ctx.anchor, 365), method=method, amount=fake.money(rng, n, 60.0),
        currency=fake.choice(rng, fake.CURRENCIES, n, p=[0.7, 0.12, 0.1, 0.04, 0.04]),
        cardholder_name=fake.with_nulls(fake.full_names(rng, n)[2], not_card),
        card_number=fake.with_nulls(fake.card_numbers(rng, n), not_card),
        iban=fake.with_nulls(fake.ibans(rng, n), not_sepa),
    )


RECOGNITION_COLUMNS = (
    key("recognition_id", "Row id of the recognition schedule."),
    ref("invoice_id", "Invoice the revenue comes from (finance.invoices)."),
    ref("order_id", "Order the performance obligation belongs to (sales.orders)."),
    day("period", "First day of the accounting month."),
    amount("recognized_eur", "Revenue recognised in the period, EUR."),
    amount("deferred_eur", "Revenue still deferred at period end, EUR."),
    cat("rule", "Recognition pattern.", ("point_in_time", "ratable")),
)


def revenue_recognition(ctx):
    n, rng = ctx.rows("finance.revenue_recognition"), ctx.rng("finance.revenue_recognition")
    total = fake.money(rng, n, 50.0)
    ratable = rng.random(n) < 0.15
    recognized = np.where(ratable, np.round(total / 12, 2), total)
    months = days_before(ctx.anchor, 365)[rng.integers(0, 365, n)].astype("datetime64[M]")
    return table(
        RECOGNITION_COLUMNS, recognition_id=fake.ids(n), invoice_id=rng.integers(500_001, 500_001 + ctx.rows("finance.invoices"), n),
        order_id=rng.integers(100_001, 100_001 + ctx.rows("sales.orders"), n), period=months.astype("datetime64[D]"),
        recognized_eur=recognized, deferred_eur=np.round(total - recognized, 2),
        rule=np.where(ratable, "ratable", "point_in_time"),
    )


ACCOUNTS = ("4000-revenue", "4100-deferred-revenue", "1200-receivables", "1000-bank", "6000-marketing", "6100-logistics")
LEDGER_COLUMNS = (
    key("entry_id", "Journal entry line id."),
    day("posting_date", "Posting date."),
    cat("account", "General ledger account.", ACCOUNTS),
    text("cost_center", "Cost centre code (finance.cost_centers).", required=True, pattern=r"^CC-[0-9]{4}$"),
    amount("debit_eur", "Debit in EUR."),
    amount("credit_eur", "Credit in EUR."),
    cat("source", "Sub-ledger the entry came from.", ("revenue_recognition", "payments", "manual")),
)


def general_ledger(ctx):
    n, rng = ctx.rows("finance.general_ledger"), ctx.rng("finance.general_ledger")
    value = fake.money(rng, n, 300.0, 1.2)
    is_debit = rng.random(n) < 0.5
    return table(
        LEDGER_COLUMNS, entry_id=fake.ids(n), posting_date=days_before(ctx.anchor, 365)[rng.integers(0, 365, n)],
        account=fake.choice(rng, ACCOUNTS, n), cost_center=fake.coded("CC-", rng.integers(1, ctx.rows("finance.cost_centers") + 1, n), 4),
        debit_eur=np.where(is_debit, value, 0.0), credit_eur=np.where(is_debit, 0.0, value),
        source=fake.choice(rng, ["revenue_recognition", "payments", "manual"], n, p=[0.5, 0.45, 0.05]),
    )


FX_COLUMNS = (
    day("rate_date", "Reference day (ECB fixing).", pk=True),
    Col("currency", "string", "VARCHAR", "Quoted currency.", required=True, pk=True, valid_values=FX_CURRENCIES),
    amount("rate_to_eur", "Units of the currency per 1 EUR."),
)


def fx_rates(ctx):
    rng = ctx.rng("finance.fx_rates")
    days = days_before(ctx.anchor, FX_DAYS)
    base = np.array([0.86, 1.08, 11.4, 4.3])
    walk = np.exp(np.cumsum(rng.normal(0, 0.003, (FX_DAYS, len(base))), axis=0)) * base
    return table(
        FX_COLUMNS, rate_date=np.repeat(days, len(base)), currency=np.tile(FX_CURRENCIES, FX_DAYS),
        rate_to_eur=np.round(walk.ravel(), 5),
    )


COST_CENTER_COLUMNS = (
    key("cost_center_id", "Surrogate key."),
    text("code", "Cost centre code as used in the ledger.", required=True, unique=True, pattern=r"^CC-[0-9]{4}$"),
    cat("department", "Owning department.", ("sales", "marketing", "finance", "product", "support", "logistics", "it")),
    text("manager", "Budget owner.", required=True),
    amount("annual_budget_eur", "Approved annual budget, EUR."),
    flag("active", "Whether postings are allowed."),
)


def cost_centers(ctx):
    n, rng = ctx.rows("finance.cost_centers"), ctx.rng("finance.cost_centers")
    return table(
        COST_CENTER_COLUMNS, cost_center_id=fake.ids(n), code=fake.coded("CC-", fake.ids(n), 4),
        department=fake.choice(rng, ["sales", "marketing", "finance", "product", "support", "logistics", "it"], n),
        manager=fake.full_names(rng, n)[2], annual_budget_eur=fake.money(rng, n, 250_000, 0.7), active=rng.random(n) < 0.92,
    )


PRODUCTS = (
    Product(
        "finance", "invoices", "Invoices",
        "Every customer invoice with amounts, tax and collection status.",
        "Invoices issued by the billing system, **one per order**.\n\n"
        "- amounts in the invoice currency\n- `void` invoices are kept for audit\n",
        "Receivables, tax reporting; join payments on `invoice_id`.",
        ("invoices", "billing", "tax"),
        (Port("invoices", "parquet", "Invoices as Parquet.", INVOICE_COLUMNS, latency=(1, "d"),
              sql_rules=(("gross_is_net_plus_tax",
                          "SELECT COUNT(*) FROM {object} WHERE abs(gross_amount - net_amount - tax_amount) > 0.01",
                          "mustBe", 0),)),),
        rows=60_000, quick_rows=2_000, generate=invoices, inputs=("sales.orders",),
    ),
    Product(
        "finance", "payments", "Payments",
        "Captured payments with the payer's card or bank details.",
        "Payments from the payment service provider.\n\n"
        "- **restricted**: contains card numbers and IBANs (PCI DSS and GDPR scope)\n"
        "- access only for reconciliation and fraud, see the [access policy](https://wiki.example.com/finance/pci)\n",
        "Reconcile against invoices and the bank statement.",
        ("payments", "pci", "reconciliation"),
        (Port("payments", "parquet", "Payments as Parquet.", PAYMENT_COLUMNS, latency=(1, "d"), availability=99.9,
              sql_rules=(("positive_amounts", "SELECT COUNT(*) FROM {object} WHERE amount <= 0", "mustBe", 0),)),),
        rows=80_000, quick_rows=2_500, generate=payments, inputs=("finance.invoices",), visibility="restricted",
        limitations="PCI DSS scope: never copy card numbers out of this product.",
    ),
    Product(
        "finance", "revenue_recognition", "Revenue recognition",
        "Monthly recognised and deferred revenue per invoice (IFRS 15).",
        "The recognition schedule built from **orders** and **invoices**.\n\n"
        "- physical goods: recognised at delivery (*point in time*)\n"
        "- subscriptions: recognised *ratably* over 12 months\n",
        "Month-end close and deferred revenue reporting.",
        ("revenue", "ifrs15", "close"),
        (Port("revenue_recognition", "parquet", "Schedule as Parquet.", RECOGNITION_COLUMNS, latency=(1, "d")),),
        rows=60_000, quick_rows=2_000, generate=revenue_recognition, inputs=("sales.orders", "finance.invoices"),
    ),
    Product(
        "finance", "general_ledger", "General ledger",
        "Journal entry lines of the general ledger, in the finance warehouse.",
        "The ledger as posted by the sub-ledgers.\n\n- debits and credits in EUR\n- one row per entry line\n",
        "Trial balance and management accounts: query the warehouse table.",
        ("ledger", "accounting", "warehouse"),
        (Port("general_ledger", "duckdb", "Warehouse table finance.general_ledger.", LEDGER_COLUMNS,
              table="finance.general_ledger", latency=(1, "d"),
              sql_rules=(("one_sided_entries", "SELECT COUNT(*) FROM {object} WHERE debit_eur > 0 AND credit_eur > 0",
                          "mustBe", 0),)),),
        rows=50_000, quick_rows=1_500, generate=general_ledger,
        inputs=("finance.revenue_recognition", "finance.payments", "finance.cost_centers"),
    ),
    Product(
        "finance", "fx_rates", "FX rates",
        "Daily reference exchange rates against the euro.",
        "Rates of the currencies we sell in, one row per day and currency.\n\n"
        "- source: the [ECB reference rates](https://www.ecb.europa.eu/stats/eurofxref/)\n",
        "Convert amounts to EUR: amount ÷ rate_to_eur.",
        ("fx", "reference-data"),
        (Port("fx_rates", "csv", "Rates as CSV.", FX_COLUMNS, latency=(2, "d"), latency_element="rate_date"),),
        rows=FX_DAYS * len(FX_CURRENCIES), quick_rows=FX_DAYS * len(FX_CURRENCIES), generate=fx_rates,
    ),
    Product(
        "finance", "cost_centers", "Cost centres",
        "The cost centre hierarchy with budgets and owners.",
        "Internal reference data for controlling.\n\n- maintained by FP&A\n",
        "Map ledger postings to departments.",
        ("controlling", "reference-data"),
        (Port("cost_centers", "csv", "Cost centres as CSV.", COST_CENTER_COLUMNS, latency=(7, "d")),),
        rows=2_000, quick_rows=100, generate=cost_centers, visibility="internal",
    ),
)
