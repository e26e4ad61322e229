"""Generate the demo data files deterministically, and skip the ones already up to date.

Every product draws from its own ``numpy.random.default_rng`` seeded with the demo seed and
its identifier, so products do not depend on generation order. Timestamps are laid out
backwards from an *anchor*: today's midnight (UTC), so the data is fresh on the day it is
loaded and byte-identical on every run that day. A manifest beside the files records what
produced each file; a file whose recipe has not changed is left alone (its mtime too, which
keeps the deliberately stale file stale).
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import time
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from demo import fake, truth
from demo.spec import Port, Product

SEED = 20260101
# Bump when a generator's output changes, so existing files are regenerated.
GENERATOR_VERSION = "5"
MANIFEST = "manifest.json"
WAREHOUSE = "warehouse.duckdb"


def default_anchor() -> np.datetime64:
    return np.datetime64(dt.datetime.now(dt.UTC).date(), "s")


class Context:
    """What a product's generator gets: its own random stream, sizes, and other products' data."""

    def __init__(self, *, quick: bool, anchor: np.datetime64):
        from demo.mesh import PRODUCTS_BY_ID

        self.quick = quick
        self.anchor = anchor
        self._products = PRODUCTS_BY_ID
        self._tables: dict[str, dict[str, pa.Table]] = {}
        self._db = duckdb.connect()

    def rng(self, identifier: str, salt: str = "") -> np.random.Generator:
        return np.random.default_rng([SEED, zlib.crc32(f"{identifier}/{salt}".encode())])

    def rows(self, identifier: str) -> int:
        return self._products[identifier].rows_for(self.quick)

    def tables(self, identifier: str) -> dict[str, pa.Table]:
        """Every data port's table of a product, generated once per run."""
        if identifier not in self._tables:
            product = self._products[identifier]
            self._tables[identifier] = port_tables(product, product.generate(self))
        return self._tables[identifier]

    def table(self, identifier: str) -> pa.Table:
        return next(iter(self.tables(identifier).values()))

    def query(self, sql: str, params: dict | None = None, **tables: pa.Table) -> pa.Table:
        """Run DuckDB SQL over Arrow tables passed by name (derived products are real queries)."""
        for name, tbl in tables.items():
            self._db.register(name, tbl)
        try:
            return self._db.sql(sql, params=params or {}).to_arrow_table()
        finally:
            for name in tables:
                self._db.unregister(name)

    def close(self) -> None:
        self._db.close()


def port_tables(product: Product, generated) -> dict[str, pa.Table]:
    data_ports = [p for p in product.ports if p.kind != "api"]
    if isinstance(generated, pa.Table):
        return {p.name: generated for p in data_ports}
    return {p.name: generated[p.name] for p in data_ports}


def port_path(data_dir: Path, product: Product, port: Port) -> Path:
    stem = product.slug if port.name == product.slug else f"{product.slug}.{port.name}"
    return data_dir / product.domain / f"{stem}.{port.kind}"


def warehouse_path(data_dir: Path, domain: str) -> Path:
    """Each domain's own warehouse file, in its own folder: data belongs to a domain."""
    return data_dir / domain / WAREHOUSE


@dataclass
class Written:
    key: str  # <product>:<port>
    location: str
    rows: int
    bytes: int
    generated: bool


@dataclass
class GenerationReport:
    files: list[Written] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def rows(self) -> int:
        return sum(w.rows for w in self.files)

    @property
    def generated(self) -> int:
        return sum(w.generated for w in self.files)


def demo_data_generate(*, data_dir: Path, quick: bool, anchor: np.datetime64 | None = None) -> GenerationReport:
    """Write every data port of the demo mesh under ``data_dir``; reuse files that are current."""
    from demo.mesh import PRODUCTS

    started = time.monotonic()
    data_dir.mkdir(parents=True, exist_ok=True)
    anchor = default_anchor() if anchor is None else anchor
    manifest = _Manifest(data_dir / MANIFEST)
    ctx = Context(quick=quick, anchor=anchor)
    report = GenerationReport()
    try:
        for product in PRODUCTS:
            for port in product.ports:
                if port.kind != "api":
                    report.files.append(_write_port(ctx, manifest, data_dir, product, port))
    finally:
        ctx.close()
        manifest.save()
    report.seconds = time.monotonic() - started
    return report


def _fingerprint(ctx: Context, product: Product, port: Port) -> str:
    recipe = [GENERATOR_VERSION, SEED, ctx.quick, str(ctx.anchor), product.identifier, port.name, port.kind,
              port.table, product.rows_for(ctx.quick)]
    return hashlib.sha256(json.dumps(recipe).encode()).hexdigest()


def _write_port(ctx: Context, manifest: _Manifest, data_dir: Path, product: Product, port: Port) -> Written:
    key = f"{product.identifier}:{port.name}"
    fingerprint = _fingerprint(ctx, product, port)
    location = port.table if port.kind == "duckdb" else str(port_path(data_dir, product, port))
    current = manifest.current(key, fingerprint, data_dir, product, port)
    if current is not None:
        return Written(key, location, current["rows"], current["bytes"], generated=False)
    table = spoil(ctx, product, port, ctx.tables(product.identifier)[port.name])
    if port.kind == "duckdb":
        size = _write_duckdb(warehouse_path(data_dir, product.domain), port.table, table)
    else:
        path = port_path(data_dir, product, port)
        _write_file(path, port.kind, table)
        _age_if_stale(path, product, ctx.anchor)
        size = path.stat().st_size
    manifest.record(key, fingerprint, data_dir, product, port, rows=table.num_rows, size=size)
    return Written(key, location, table.num_rows, size, generated=True)


def _write_file(path: Path, kind: str, table: pa.Table) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    if kind == "parquet":
        pq.write_table(table, tmp, compression="zstd", row_group_size=256_000)
    else:
        # DuckDB writes doubles as 34.0 (not 34), so a CSV reader infers the contract's types.
        with duckdb.connect() as con:
            con.register("rows", table)
            target = str(tmp).replace("'", "''")
            con.execute(f"COPY rows TO '{target}' (FORMAT csv, HEADER)")
    os.replace(tmp, path)  # readers never see a half-written file


def _write_duckdb(database: Path, qualified: str, table: pa.Table) -> int:
    schema, name = qualified.split(".")
    database.parent.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(database)) as con:
        con.register("incoming", table)
        con.execute(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
        # Identifiers cannot be bound as parameters; these come from the mesh definition, not users.
        con.execute(f'CREATE OR REPLACE TABLE "{schema}"."{name}" AS SELECT * FROM incoming')  # noqa: S608
    return database.stat().st_size


def spoil(ctx: Context, product: Product, port: Port, table: pa.Table) -> pa.Table:
    """The port's data as published, with the defects ``truth`` says are written into it (``on_write``).

    Downstream products were computed from the clean table: a defect spoils this file only, as a
    bad export would. Exactly ``Defect.affected_rows`` rows are touched, at positions drawn from the
    product's own "defects" stream, so the counts can be checked from the row count alone.
    """
    for defect in truth.defects_for(product.identifier):
        if not defect.on_write or defect.port != port.name or not defect.column:
            continue
        n = table.num_rows
        k = defect.affected_rows(n)
        rng = ctx.rng(product.identifier, f"defects/{defect.kind}/{defect.column}")
        index = table.schema.get_field_index(defect.column)
        values = table.column(defect.column).to_numpy(zero_copy_only=False)
        if defect.kind == "nulls":
            column = fake.with_nulls(values, fake.pick_positions(rng, n, k)).cast(table.schema.field(index).type)
        elif defect.kind == "duplicates":  # a replayed batch: rows repeat another row's key
            positions = rng.choice(n, size=2 * k, replace=False)
            values = values.copy()
            values[positions[:k]] = values[positions[k:]]
            column = pa.array(values, type=table.schema.field(index).type)
        elif defect.kind == "invalid_values":  # free text typed into a coded field
            at = fake.pick_positions(rng, n, k)
            replaced = fake.replace_at(values, at, fake.choice(rng, defect.invalid_values, k))
            column = pa.array(replaced.tolist(), type=table.schema.field(index).type)
        else:
            continue
        table = table.set_column(index, defect.column, column)
    return table


def _age_if_stale(path: Path, product: Product, anchor: np.datetime64) -> None:
    for stale in truth.defects_for(product.identifier, "stale"):
        when = (anchor - np.timedelta64(stale.age_days, "D")).astype("datetime64[s]").astype(int)
        os.utime(path, (int(when), int(when)))


class _Manifest:
    """``manifest.json``: per port, the recipe fingerprint and what the file looked like."""

    def __init__(self, path: Path):
        self.path = path
        try:
            self.entries = json.loads(path.read_text())["entries"]
        except (OSError, ValueError, KeyError):
            self.entries = {}
        self._dirty = False

    def current(self, key, fingerprint, data_dir, product, port) -> dict | None:
        entry = self.entries.get(key)
        if not entry or entry["fingerprint"] != fingerprint:
            return None
        if port.kind == "duckdb":
            return entry if _duckdb_has(warehouse_path(data_dir, product.domain), port.table, entry["rows"]) else None
        stat = _stat(port_path(data_dir, product, port))
        if stat is None or (stat.st_size, stat.st_mtime_ns) != (entry["bytes"], entry["mtime_ns"]):
            return None
        return entry

    def record(self, key, fingerprint, data_dir, product, port, *, rows: int, size: int) -> None:
        mtime_ns = 0 if port.kind == "duckdb" else port_path(data_dir, product, port).stat().st_mtime_ns
        self.entries[key] = {"fingerprint": fingerprint, "rows": rows, "bytes": size, "mtime_ns": mtime_ns}
        self._dirty = True

    def save(self) -> None:
        if self._dirty:
            tmp = self.path.with_name(f".{self.path.name}.tmp")
            tmp.write_text(json.dumps({"version": GENERATOR_VERSION, "entries": self.entries}, indent=1, sort_keys=True))
            os.replace(tmp, self.path)


def _stat(path: Path):
    try:
        return path.stat()
    except OSError:
        return None


def _duckdb_has(database: Path, qualified: str, rows: int) -> bool:
    if not database.exists():
        return False
    schema, name = qualified.split(".")
    try:
        with duckdb.connect(str(database), read_only=True) as con:
            found = con.execute(
                "SELECT estimated_size FROM duckdb_tables() WHERE schema_name = ? AND table_name = ?",
                [schema, name],
            ).fetchone()
    except duckdb.Error:
        return False
    return found is not None and found[0] == rows
