"""Descriptor import speed: N products with their contracts, first import and unchanged re-import.

Baselines, measured in the same run: (1) validating the documents with the pure-Python
``jsonschema`` validator alone, against which the compiled validator Meshport runs first is
compared; (2) reading every row the import compares (product, ports, columns, tags, team), the
floor for an unchanged re-import, which writes nothing.

Usage: ``python bench/descriptors.py [--products 200]`` (SQLite in a temporary folder).
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def setup(folder: Path) -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.update({
        "DJANGO_SETTINGS_MODULE": "meshport.settings.test",
        "DATABASE_URL": f"sqlite:///{folder / 'bench.sqlite3'}",
        "MESHPORT_TEST_DATA_DIR": str(folder),
        "LOG_LEVEL": "WARNING",
    })
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)


def documents(n: int, root: Path) -> list[dict]:
    docs = []
    for i in range(n):
        columns = [{"name": f"col_{c}", "logicalType": "string", "required": c == 0} for c in range(12)]
        docs.append({
            "apiVersion": "v3.1.0", "kind": "DataContract", "id": f"c-{i}", "version": "1.0.0", "status": "active",
            "servers": [{"server": "files", "type": "local", "environment": "prod",
                         "path": str(root / f"p{i}.csv"), "format": "csv"}],
            "schema": [{"name": f"port_{i}", "properties": columns}],
            "slaProperties": [{"property": "latency", "value": 1, "unit": "d"}],
        })
        docs.append({
            "apiVersion": "v1.0.0", "kind": "DataProduct", "id": f"p-{i}", "name": f"Product {i}",
            "status": "active", "domain": f"domain{i % 10}", "tags": ["bench", f"t{i % 7}"],
            "outputPorts": [{"name": f"port_{i}", "version": "1.0.0", "contractId": f"c-{i}"}],
            "team": {"name": "bench", "members": [{"username": f"user{i % 5}", "role": "owner"}]},
        })
    return docs


def timed(label: str, fn, baseline: float | None = None) -> float:
    start = time.perf_counter()
    fn()
    seconds = time.perf_counter() - start
    ratio = f"  ({seconds / baseline:.3f} x baseline)" if baseline else ""
    print(f"{label:<42}{seconds * 1000:9.1f} ms{ratio}")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--products", type=int, default=200)
    n = parser.parse_args().products
    with tempfile.TemporaryDirectory(prefix="meshport-bench-") as tmp:
        setup(Path(tmp))
        from catalog.descriptors.services import descriptors_import
        from standards.payload import Document, label_documents
        from standards.validation import fast_validator, schema_validator

        docs = documents(n, Path(tmp))
        labelled = label_documents([Document(data=x) for x in docs])
        print(f"{n} products, {n} contracts, {n * 12} columns")
        python_only = timed("baseline 1: jsonschema (Python) validation", lambda: [
            list(schema_validator(d.kind).iter_errors(d.data)) for d in labelled])
        timed("compiled validation (jsonschema-rs)", lambda: [
            fast_validator(d.kind).is_valid(d.data) for d in labelled], python_only)
        timed("first import (creates everything)", lambda: descriptors_import(documents=docs, source="bench"))
        floor = timed("baseline 2: read the rows an import compares", read_rows)
        timed("unchanged re-import (writes nothing)", lambda: descriptors_import(documents=docs, source="bench"), floor)


def read_rows() -> None:
    from catalog.models import DataProduct

    products = DataProduct.objects.prefetch_related("output_ports__columns", "tags", "team_members", "input_ports")
    for product in products:
        [list(port.columns.all()) for port in product.output_ports.all()]
        list(product.tags.all()), list(product.team_members.all()), list(product.input_ports.all())

if __name__ == "__main__":
    main()
