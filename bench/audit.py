"""What audit recording costs on the publish path: N products imported one publish each, then N updates.

Recording on and off run in the same process on the same database, interleaved in rounds (a round
of off, a round of on, each with its own products), so both see the same table sizes and the
same machine. What is timed is the publish transaction itself: the after-commit fan-out
(indexing, profiling, quality, lineage, run inline without a broker) is muted, since recording
adds nothing to it and its inline profiling would swamp the figure. The switch is ``MESHPORT_AUDIT_ENABLED`` (``audit.services``), which only this
bench sets; every deployment records. The figure to watch is the ratio: the issue asks ≤ 1.10.

Usage: ``python bench/audit.py [--products 1000] [--rounds 10]`` (SQLite in a temporary folder;
``DATABASE_URL`` moves it onto PostgreSQL).
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
from djangokit import setup  # noqa: E402  (bench/ is on the path only from here)


def product_documents(mode: str, i: int, root: Path, *, version: str = "1.0.0") -> list[dict]:
    domain = f"domain{i % 10}"
    columns = [{"name": f"col_{c}", "logicalType": "string", "required": c == 0} for c in range(8)]
    return [
        {"apiVersion": "v3.1.0", "kind": "DataContract", "id": f"{mode}-c-{i}", "version": "1.0.0",
         "status": "active", "domain": domain,
         "servers": [{"server": "files", "type": "local", "environment": "prod",
                      "path": str(root / domain / f"{mode}-{i}.csv"), "format": "csv"}],
         "schema": [{"name": f"port_{i}", "properties": columns}]},
        {"apiVersion": "v1.0.0", "kind": "DataProduct", "id": f"{mode}-p-{i}", "name": f"Product {mode} {i}",
         "version": version, "status": "active", "domain": domain, "tags": ["bench", f"t{i % 7}"],
         "description": {"purpose": f"Bench product {i}, version {version}."},
         "outputPorts": [{"name": f"port_{i}", "version": "1.0.0", "contractId": f"{mode}-c-{i}"}],
         "team": {"name": "bench", "members": [{"username": f"user{i % 5}", "role": "owner"}]}},
    ]


def publish_each(mode: str, numbers: range, root: Path, version: str) -> float:
    from django.test import override_settings

    from catalog.descriptors.services import descriptors_import

    with override_settings(MESHPORT_AUDIT_ENABLED=mode == "on"):
        start = time.perf_counter()
        for i in numbers:
            descriptors_import(documents=product_documents(mode, i, root, version=version), source="bench")
        return time.perf_counter() - start


def mute_fan_out() -> None:
    from catalog.changes import SIGNALS

    for signal in SIGNALS.values():
        signal.receivers = []
        signal.sender_receivers_cache.clear()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--products", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="meshport-bench-") as tmp:
        root = Path(tmp)
        setup(root)
        from audit.models import AuditEvent

        mute_fan_out()
        size = max(1, args.products // args.rounds)
        print(f"{args.products} products, one publish each, then one update each; recording off vs on, "
              f"interleaved in {args.rounds} rounds ({os.environ['DATABASE_URL'].split(':')[0]})")
        for phase, version in (("import", "1.0.0"), ("update", "1.1.0")):
            seconds = {"off": 0.0, "on": 0.0}
            for start in range(0, args.products, size):
                numbers = range(start, min(start + size, args.products))
                for mode in ("off", "on") if start // size % 2 == 0 else ("on", "off"):
                    seconds[mode] += publish_each(mode, numbers, root, version)
            per = {mode: s / args.products * 1000 for mode, s in seconds.items()}
            print(f"{phase:<7} off {seconds['off']:7.2f} s ({per['off']:.2f} ms/publish)   "
                  f"on {seconds['on']:7.2f} s ({per['on']:.2f} ms/publish)   ratio {seconds['on'] / seconds['off']:.3f}")
        print(f"events recorded: {AuditEvent.objects.count()}")


if __name__ == "__main__":
    main()
