"""The demo data files: readable, the sizes the truth module states, and really defective."""
import datetime as dt
import re
import time

import duckdb
import numpy as np
import pytest

from demo import fake, truth
from demo.data import MANIFEST, default_anchor, demo_data_generate, port_path, warehouse_path
from demo.mesh import PRODUCTS, PRODUCTS_BY_ID


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    path = tmp_path_factory.mktemp("demo")
    demo_data_generate(data_dir=path, quick=True)
    return path


def sql(query, *params):
    return duckdb.execute(query, list(params)).fetchall()


def file_of(data_dir, identifier, port=None):
    product = PRODUCTS_BY_ID[identifier]
    port = next(p for p in product.ports if p.name == (port or product.ports[0].name))
    return str(port_path(data_dir, product, port))


def columns_of(path):
    return {name: kind for name, kind, *_ in sql(f"DESCRIBE SELECT * FROM '{path}'")}


def test_every_data_port_is_readable_with_the_row_count_truth_states(data_dir):
    counts = truth.row_counts(quick=True)
    assert len(counts) >= 30
    for product in PRODUCTS:
        for port in product.ports:
            if port.kind == "api":
                continue
            if port.kind == "duckdb":
                with duckdb.connect(str(warehouse_path(data_dir, product.domain)), read_only=True) as warehouse:
                    (rows,) = warehouse.execute(f"SELECT count(*) FROM {port.table}").fetchone()
            else:
                (rows,), = sql(f"SELECT count(*) FROM '{port_path(data_dir, product, port)}'")
            assert rows == counts[f"{product.identifier}:{port.name}"] > 0, product.identifier


def test_one_product_holds_a_million_rows_in_a_full_load():
    big = [p for p in PRODUCTS if p.rows >= 1_000_000]
    assert [p.identifier for p in big] == ["marketing.web_sessions"]
    assert big[0].ports[0].kind == "parquet"


def test_files_match_their_contracts_except_the_drifted_one(data_dir):
    drifted = {(d.product, d.port) for d in truth.DEFECTS if d.kind == "schema_drift"}
    for product in PRODUCTS:
        for port in product.ports:
            if not port.is_file or (product.identifier, port.name) in drifted:
                continue
            expected = {c.name: c.physical for c in port.columns}
            assert columns_of(port_path(data_dir, product, port)) == expected, product.identifier


def test_schema_drift_is_a_rename_an_extra_column_and_a_type_change(data_dir):
    drift = truth.DRIFTED_DELIVERY_EVENTS
    product = PRODUCTS_BY_ID[drift.product]
    contract = {c.name: c.physical for c in product.ports[0].columns}
    found = columns_of(file_of(data_dir, drift.product))
    missing, extra = set(contract) - set(found), set(found) - set(contract)
    renamed = {old: new for old, new in drift.renamed.items() if old in missing and new in extra}
    assert renamed == drift.renamed
    assert extra - set(renamed.values()) == set(drift.extra)
    retyped = {n: (contract[n], found[n]) for n in set(contract) & set(found) if contract[n] != found[n]}
    assert retyped == {k: tuple(v) for k, v in drift.retyped.items()}


def test_null_emails_exceed_what_the_contract_allows(data_dir):
    defect = truth.NULL_EMAILS
    (rows, nulls), = sql(f"SELECT count(*), count(*) - count({defect.column}) FROM '{file_of(data_dir, defect.product)}'")
    assert nulls == defect.affected_rows(rows)
    assert 100 * nulls / rows > 5 * defect.allowed_percent
    # every other required column of every product is complete
    (clean_nulls,), = sql(f"SELECT count(*) - count(full_name) FROM '{file_of(data_dir, defect.product)}'")
    assert clean_nulls == 0


def test_duplicate_order_ids(data_dir):
    defect = truth.DUPLICATE_ORDER_IDS
    (rows, duplicates), = sql(
        f"SELECT count(*), count(*) - count(DISTINCT {defect.column}) FROM '{file_of(data_dir, defect.product)}'"
    )
    assert duplicates == defect.affected_rows(rows) > 0
    (line_dupes,), = sql(f"SELECT count(*) - count(DISTINCT line_id) FROM '{file_of(data_dir, 'sales.order_lines')}'")
    assert line_dupes == 0


def test_invalid_platforms_are_outside_the_valid_values(data_dir):
    defect = truth.INVALID_PLATFORMS
    valid = next(c for c in PRODUCTS_BY_ID[defect.product].ports[0].columns if c.name == defect.column).valid_values
    bad = sql(f"SELECT {defect.column} FROM '{file_of(data_dir, defect.product)}' WHERE NOT list_contains(?, {defect.column})",
              list(valid))
    (rows,), = sql(f"SELECT count(*) FROM '{file_of(data_dir, defect.product)}'")
    assert len(bad) == defect.affected_rows(rows)
    assert {v for (v,) in bad} <= set(defect.invalid_values)


def test_invalid_phones_break_the_pattern_rule(data_dir):
    defect = truth.INVALID_PHONES
    column = next(c for c in PRODUCTS_BY_ID[defect.product].ports[0].columns if c.name == defect.column)
    phones = [v for (v,) in sql(f"SELECT {defect.column} FROM '{file_of(data_dir, defect.product)}'")]
    bad = [p for p in phones if not re.fullmatch(column.pattern, p)]
    assert len(bad) == defect.affected_rows(len(phones))
    assert 100 * len(bad) / len(phones) > column.max_invalid_percent


def test_the_stale_file_and_its_data_are_days_old(data_dir):
    defect = truth.STALE_SNAPSHOTS
    path = file_of(data_dir, defect.product)
    age_hours = (time.time() - port_path_mtime(path)) / 3600
    assert age_hours > defect.slo_hours + 24 * (defect.age_days - 1)
    (newest,), = sql(f"SELECT max({defect.column}) FROM '{path}'")
    data_age = (default_anchor() - np.datetime64(newest, "s")) / np.timedelta64(1, "h")
    assert data_age >= 24 * defect.age_days > defect.slo_hours
    fresh = file_of(data_dir, "sales.orders")
    assert time.time() - port_path_mtime(fresh) < 3600


def port_path_mtime(path):
    import os

    return os.stat(path).st_mtime


def test_payment_cards_pass_luhn_and_ibans_pass_mod_97(data_dir):
    cards = sql(f"SELECT card_number FROM '{file_of(data_dir, 'finance.payments')}' WHERE card_number IS NOT NULL")
    ibans = sql(f"SELECT iban FROM '{file_of(data_dir, 'finance.payments')}' WHERE iban IS NOT NULL")
    assert cards
    assert ibans
    assert all(fake.luhn_valid(c) for (c,) in cards)
    assert all(fake.iban_valid(i) for (i,) in ibans)
    assert not fake.luhn_valid("4111111111111112")
    assert not fake.iban_valid("DE00123456781234567890")


def test_derived_revenue_equals_the_orders_it_comes_from(data_dir):
    (from_orders,), = sql(
        f"SELECT round(sum(total_amount), 2) FROM '{file_of(data_dir, 'sales.orders')}' "
        f"WHERE status <> 'cancelled' AND CAST(order_ts AS DATE) >= (SELECT min(day) FROM '{file_of(data_dir, 'sales.daily_revenue')}') "
        f"AND CAST(order_ts AS DATE) < CAST(? AS DATE)", str(default_anchor().astype("datetime64[D]")),
    )
    (reported,), = sql(f"SELECT round(sum(revenue), 2) FROM '{file_of(data_dir, 'sales.daily_revenue')}'")
    assert reported == pytest.approx(from_orders, abs=1.0)


def test_regeneration_is_skipped_and_deterministic(data_dir, tmp_path):
    files = sorted(p for p in data_dir.rglob("*") if p.is_file() and p.name != MANIFEST)
    before = {p: p.stat().st_mtime_ns for p in files}
    again = demo_data_generate(data_dir=data_dir, quick=True)
    assert again.generated == 0
    assert {p: p.stat().st_mtime_ns for p in files} == before
    # A second folder built from scratch holds the very same CSV bytes.
    demo_data_generate(data_dir=tmp_path, quick=True)
    for path in (p for p in files if p.suffix == ".csv"):
        assert (tmp_path / path.relative_to(data_dir)).read_bytes() == path.read_bytes(), path.name


def test_a_damaged_file_is_regenerated(tmp_path):
    demo_data_generate(data_dir=tmp_path, quick=True)
    victim = tmp_path / "sales" / "customers.csv"
    victim.write_text("customer_id\n1\n")
    report = demo_data_generate(data_dir=tmp_path, quick=True)
    assert report.generated == 1
    (rows,), = sql(f"SELECT count(*) FROM '{victim}'")
    assert rows == truth.row_counts(quick=True)["sales.customers:customers"]


def test_everything_but_the_stale_port_meets_its_freshness_objective(data_dir):
    now = time.time()
    slos = truth.freshness_slos()
    assert truth.stale_ports() <= set(slos)
    assert "product.app_events_legacy:app_events_legacy" not in slos  # retired: frozen, no objective
    checked = 0
    for key, (hours, element) in slos.items():
        identifier, port = key.split(":")
        if not any(p.name == port and p.is_file for p in PRODUCTS_BY_ID[identifier].ports):
            continue  # warehouse tables have no file age; their data is checked through the CSV twin
        path = file_of(data_dir, identifier, port)
        file_fresh = (now - port_path_mtime(path)) / 3600 <= hours
        data_fresh = True
        if element:
            (newest,), = sql(f"SELECT CAST(max({element}) AS TIMESTAMP) FROM '{path}'")
            data_fresh = (now - newest.replace(tzinfo=dt.UTC).timestamp()) / 3600 <= hours
            checked += 1
        stale = key in truth.stale_ports()
        assert file_fresh is not stale, key
        if element:  # measured on a column: the newest value is as old as the file
            assert data_fresh is not stale, key
    assert checked >= 5
