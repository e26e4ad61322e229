"""The statistics a profile reports, checked against values computed by hand."""
import datetime as dt

import pytest

from profiling.profiler import profile_view
from profiling.readers import port_connection

from .conftest import write_parquet


def profile(port, **kwargs):
    with port_connection(port) as con:
        return profile_view(con, **kwargs)


def by_name(result):
    return {c.name: c for c in result.columns}


def test_csv_statistics(make_port, orders_csv):
    result = profile(make_port(orders_csv))
    cols = by_name(result)
    assert result.row_count == 200
    amount = cols["amount"].stats
    assert amount["null_count"] == 20
    assert amount["null_ratio"] == 0.1
    values = [round(10 + i * 1.5, 2) for i in range(200) if i % 10]
    assert amount["min"] == min(values)
    assert amount["max"] == max(values)
    assert amount["mean"] == pytest.approx(sum(values) / len(values))
    assert len(amount["histogram"]["counts"]) == 20
    assert sum(amount["histogram"]["counts"]) == 180
    assert amount["quartiles"][0] < amount["quartiles"][1] < amount["quartiles"][2]
    country = cols["country"].stats
    assert country["distinct_count"] == 3
    assert not cols["country"].is_approximate
    assert country["top_values"][0] == {"value": "DE", "count": 67}
    assert country["length"] == {"min": 2, "avg": 2.0, "max": 2}
    assert cols["ordered_on"].family == "temporal"
    assert sum(cols["ordered_on"].stats["histogram"]["counts"]) == 200


def test_distinct_is_exact_up_to_the_limit_and_flagged_above(make_port, data_root):
    path = write_parquet(data_root / "ids.parquet", {"id": list(range(5000)), "kind": [i % 7 for i in range(5000)]})
    cols = by_name(profile(make_port(path, fmt="parquet"), exact_distinct_limit=1000))
    assert cols["id"].is_approximate
    assert 4500 < cols["id"].stats["distinct_count"] < 5500
    assert not cols["kind"].is_approximate
    assert cols["kind"].stats["distinct_count"] == 7
    assert cols["kind"].stats["top_values"][0]["count"] == 715


def test_top_values_of_high_cardinality_columns_have_exact_counts(make_port, data_root):
    values = ["hot"] * 500 + [f"v{i}" for i in range(5000)]
    path = write_parquet(data_root / "hot.parquet", {"v": values})
    col = by_name(profile(make_port(path, fmt="parquet"), exact_distinct_limit=100))["v"]
    assert col.is_approximate
    assert col.stats["top_values"][0] == {"value": "hot", "count": 500}


def test_jsonl_and_timestamps(make_port, data_root):
    path = data_root / "events.jsonl"
    path.write_text("".join(f'{{"at": "2025-03-0{1 + i % 9}T10:00:00", "ok": {str(i % 2 == 0).lower()}}}\n'
                            for i in range(50)))
    cols = by_name(profile(make_port(path, fmt="jsonl")))
    assert cols["at"].stats["min"] == dt.datetime(2025, 3, 1, 10, 0)
    assert cols["ok"].stats["top_values"] == [{"value": False, "count": 25}, {"value": True, "count": 25}]


def test_empty_table_profiles_to_zero_rows(make_port, data_root):
    path = write_parquet(data_root / "empty.parquet", {"a": [1]})
    import pyarrow as pa
    import pyarrow.parquet as pq
    pq.write_table(pa.table({"a": pa.array([], type=pa.int64())}), path)
    result = profile(make_port(path, fmt="parquet"))
    assert result.row_count == 0
    assert result.columns[0].stats["null_count"] == 0


def test_dates_report_mean_and_quartiles_as_instants(make_port, data_root):
    days = [dt.datetime(2025, 1, 1) + dt.timedelta(days=i) for i in range(11)]
    cols = by_name(profile(make_port(write_parquet(data_root / "days.parquet", {"at": days}), fmt="parquet")))
    stats = cols["at"].stats
    assert stats["mean"].startswith("2025-01-06T00:00:00")
    assert stats["quartiles"][1].startswith("2025-01-06")
    assert stats["stddev_unit"] == "seconds"
    assert stats["histogram"]["edges"][0].startswith("2025-01-01T00:00:00")
