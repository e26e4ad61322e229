"""Generate the benchmark table: 20 columns of mixed types with some nulls, written in row groups."""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

CHUNK = 1_000_000
COUNTRIES = np.array(["DE", "FR", "NL", "BE", "ES", "IT", "PL", "SE", "DK", "AT", "PT", "IE", "FI", "CZ", "GR"])
STATUSES = np.array(["new", "paid", "shipped", "returned", "cancelled"])


def _nulls(rng, values: pa.Array, ratio: float) -> pa.Array:
    return pa.array(values.to_numpy(zero_copy_only=False), mask=rng.random(len(values)) < ratio)


def _strings(prefix: str, numbers: np.ndarray, suffix: str = "") -> pa.Array:
    return pa.array(np.char.add(np.char.add(prefix, numbers.astype("U12")), suffix))


def chunk(rng: np.random.Generator, start: int, rows: int) -> pa.Table:
    ids = np.arange(start, start + rows, dtype=np.int64)
    base = np.datetime64("2024-01-01T00:00:00", "us")
    created = base + rng.integers(0, 700 * 86_400_000_000, rows).astype("timedelta64[us]")
    columns = {
        "id": pa.array(ids),
        "customer_id": pa.array(rng.integers(1, 100_000, rows)),
        "quantity": _nulls(rng, pa.array(rng.integers(1, 100, rows, dtype=np.int32)), 0.02),
        "amount": _nulls(rng, pa.array(rng.normal(120, 35, rows).round(2)), 0.01),
        "discount": pa.array(rng.random(rows) * 0.5),
        "score": pa.array(rng.random(rows).astype(np.float32)),
        "latitude": pa.array(rng.uniform(35, 70, rows)),
        "country": pa.array(COUNTRIES[rng.integers(0, len(COUNTRIES), rows)]),
        "status": _nulls(rng, pa.array(STATUSES[rng.integers(0, len(STATUSES), rows)]), 0.03),
        "category": _strings("cat-", rng.integers(0, 200, rows)),
        "email": _strings("user", ids, "@example.org"),
        "sku": _strings("SKU-", rng.integers(0, 500_000, rows)),
        "comment": _nulls(rng, _strings("note about order ", rng.integers(0, 10**9, rows), " please check"), 0.05),
        "city": _strings("city-", rng.zipf(1.3, rows) % 1000),
        "created_at": pa.array(created),
        "updated_at": _nulls(rng, pa.array(created + np.timedelta64(3600, "s")), 0.1),
        "birth_date": pa.array((np.datetime64("1950-01-01") + rng.integers(0, 20_000, rows)).astype("datetime64[D]")),
        "is_active": pa.array(rng.random(rows) < 0.8),
        "has_discount": _nulls(rng, pa.array(rng.random(rows) < 0.3), 0.05),
        "code": _strings("c", rng.integers(0, 2**62, rows, dtype=np.int64)),
    }
    return pa.table(columns)


def generate(path: Path, rows: int, seed: int = 7) -> Path:
    """Write ``rows`` rows to ``path`` one million at a time (memory stays one chunk wide)."""
    rng = np.random.default_rng(seed)
    writer = None
    for start in range(0, rows, CHUNK):
        table = chunk(rng, start, min(CHUNK, rows - start))
        writer = writer or pq.ParquetWriter(path, table.schema)
        writer.write_table(table, row_group_size=250_000)
    writer.close()
    return path


if __name__ == "__main__":
    generate(Path(sys.argv[1]), int(sys.argv[2]))
