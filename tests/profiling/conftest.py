"""Small ports over files written into the suite's data root."""
import csv
import itertools
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from django.conf import settings

from catalog.models import Column, DataProduct, Domain, OutputPort

_names = itertools.count()


@pytest.fixture
def data_root() -> Path:
    # In the sales domain's folder: the product fixture's domain, whose data the profiler may read.
    root = Path(settings.MESHPORT_DATA_ROOTS[0]) / "sales" / f"case-{next(_names)}"
    root.mkdir(parents=True, exist_ok=True)
    return root


@pytest.fixture
def product(db):
    domain = Domain.objects.get_or_create(slug="sales", defaults={"name": "Sales"})[0]
    return DataProduct.objects.create(
        domain=domain, slug=f"orders{next(_names)}", external_id=f"ext-{next(_names)}", name="Orders",
        status=DataProduct.Status.PUBLISHED,
    )


@pytest.fixture
def make_port(product):
    def make(location, fmt="csv", columns=(), **extra):
        port = OutputPort.objects.create(
            product=extra.pop("product", product), name=extra.pop("name", f"p{next(_names)}"), version="1.0.0",
            format=fmt, location=str(location), **extra,
        )
        for position, (name, logical, *rest) in enumerate(columns):
            Column.objects.create(port=port, name=name, position=position, logical_type=logical,
                                  classification=rest[0] if rest else "")
        return port

    return make


def write_csv(path: Path, header: list[str], rows: list[list]) -> Path:
    with path.open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def write_parquet(path: Path, columns: dict) -> Path:
    pq.write_table(pa.table(columns), path)
    return path


@pytest.fixture
def orders_csv(data_root) -> Path:
    rows = [[i, f"user{i}@example.org", ["DE", "FR", "NL"][i % 3], round(10 + i * 1.5, 2) if i % 10 else "",
             f"2025-01-{1 + i % 28:02d}"] for i in range(200)]
    return write_csv(data_root / "orders.csv", ["order_id", "email", "country", "amount", "ordered_on"], rows)
