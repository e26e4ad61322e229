"""Profiling benchmark: Meshport's profiler against pandas, polars and ydata-profiling, same run.

Generates a 1,000,000-row, 20-column Parquet table (ints, floats, low- and high-cardinality
strings, timestamps, dates, booleans, some nulls) and a 10,000,000-row one, then profiles each
engine in a fresh subprocess so peak memory (max RSS) and CPU time are the engine's own.
Meshport runs its production path: locked-down DuckDB connection, all statistics, PII
detection and semantic types. Baselines compute the same statistics (bench/profiling/baselines.py).

    python bench/profile.py [--rows 1000000] [--big-rows 10000000] [--repeat 3] [--skip-ydata]
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
HELPERS = HERE / "profiling"
# This file is named like the standard library's ``profile``: keep its folder off the import path.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]
TARGETS = {"vs_pandas": 0.4, "vs_ydata": 0.05, "peak_mb_1m": 500, "scale_10x": 12.0, "peak_mb_10m": 1024}


def meshport_profile(path: str) -> dict:
    """The production path, minus the database writes."""
    os.environ.setdefault("SECRET_KEY", "meshport-bench-only-key-" + "x" * 40)  # base refuses to run keyless
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "meshport.settings.base")
    os.environ["MESHPORT_DATA_ROOTS"] = str(Path(path).parent)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.conf import settings

    from profiling.profiler import profile_view
    from profiling.readers import attach_file, lock_down, new_connection
    from profiling.semantic import semantic_type
    from profiling.store import findings_for, json_safe

    started = time.perf_counter()
    con = new_connection()
    lock_down(con, [attach_file(con, location=path, fmt="parquet")])
    result = profile_view(con, exact_distinct_limit=settings.MESHPORT_EXACT_DISTINCT_LIMIT,
                          sample_rows=settings.MESHPORT_PII_SAMPLE_ROWS)
    findings = findings_for(result)
    columns = {c.name: json_safe(c.stats) | {"approx": c.is_approximate,
                                             "semantic": semantic_type(c, result.row_count, None)}
               for c in result.columns}
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "row_count": result.row_count, "columns": columns,
            "pii": sorted(f"{f.column}:{f.kind}" for f in findings.values())}


def run_engine(engine: str, path: str) -> dict:
    """Profile ``path`` with ``engine`` in a child process; add its peak RSS and CPU seconds."""
    command = [sys.executable, __file__, "--engine", engine, "--path", path]
    with tempfile.TemporaryFile() as out:
        child = subprocess.Popen(command, stdout=out, stderr=subprocess.DEVNULL, cwd=ROOT)  # noqa: S603
        _pid, status, usage = os.wait4(child.pid, 0)
        out.seek(0)
        text = out.read().decode()
    if status:
        raise SystemExit(f"{engine} failed on {path}:\n{text[-2000:]}")
    figures = json.loads(text.strip().splitlines()[-1])
    figures.update(peak_mb=usage.ru_maxrss / 1024, cpu_seconds=usage.ru_utime + usage.ru_stime)
    return figures


def best_of(engine: str, path: str, repeat: int) -> dict:
    """The fastest of ``repeat`` runs: on a shared machine the minimum is the least disturbed."""
    runs = [run_engine(engine, path) for _ in range(repeat)]
    best = min(runs, key=lambda r: r["seconds"])
    best["runs"] = [round(r["seconds"], 2) for r in runs]
    return best


def child(engine: str, path: str) -> None:
    sys.path.insert(0, str(HELPERS))
    if engine == "meshport":
        out = meshport_profile(path)
    else:
        import baselines

        started = time.perf_counter()
        result = getattr(baselines, f"{engine}_profile")(path)
        out = {"seconds": time.perf_counter() - started, "row_count": result["row_count"],
               "columns": _summary(result) if engine == "pandas" else {}}
    print(json.dumps(out, default=str))


def _summary(result: dict) -> dict:
    return {name: {"null_count": s["null_count"], "distinct_count": s["distinct_count"], "mean": s.get("mean")}
            for name, s in result["columns"].items()}


def agreement(meshport: dict, pandas: dict) -> list[str]:
    """Where Meshport's statistics differ from pandas' beyond what an estimate allows."""
    problems = []
    for name, theirs in pandas["columns"].items():
        ours = meshport["columns"][name]
        if ours["null_count"] != theirs["null_count"]:
            problems.append(f"{name}: nulls {ours['null_count']} vs {theirs['null_count']}")
        tolerance = 0.05 if ours["approx"] else 0
        if abs(ours["distinct_count"] - theirs["distinct_count"]) > tolerance * theirs["distinct_count"]:
            problems.append(f"{name}: distinct {ours['distinct_count']} vs {theirs['distinct_count']}")
        numeric = ours["semantic"] not in ("timestamp", "date")  # pandas keeps dates in ns, DuckDB in s
        if numeric and theirs["mean"] is not None and ours.get("mean") is not None:
            if abs(ours["mean"] - float(theirs["mean"])) > 1e-6 * max(1.0, abs(ours["mean"])):
                problems.append(f"{name}: mean {ours['mean']} vs {theirs['mean']}")
    return problems


def line(label: str, figures: dict, extra: str = "") -> str:
    runs = f"  (runs: {', '.join(map(str, figures['runs']))} s)" if len(figures.get("runs", [])) > 1 else ""
    return (f"{label:<28} {figures['seconds']:>8.2f} s wall {figures['cpu_seconds']:>8.2f} s cpu "
            f"{figures['peak_mb']:>8.0f} MB peak  {extra}{runs}")


def ratios(ours: dict, theirs: dict, name: str) -> str:
    """Wall-clock ratio, and the CPU-time ratio that a busy machine disturbs less."""
    return (f"meshport/{name} = {ours['seconds'] / theirs['seconds']:.3f}× wall, "
            f"{ours['cpu_seconds'] / theirs['cpu_seconds']:.3f}× cpu")


def verdict(ok: bool) -> str:
    return "met" if ok else "MISSED"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engine")
    parser.add_argument("--path")
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--big-rows", type=int, default=10_000_000)
    parser.add_argument("--skip-ydata", action="store_true", help="ydata-profiling takes about a minute")
    parser.add_argument("--repeat", type=int, default=3,
                        help="runs of each engine but ydata-profiling (run once: a minute or more); best is kept")
    parser.add_argument("--data-dir", default=None, help="where to write the generated tables")
    args = parser.parse_args()
    if args.engine:
        return child(args.engine, args.path)

    folder = Path(args.data_dir or tempfile.mkdtemp(prefix="meshport-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    small = folder / f"bench-{args.rows}.parquet"
    big = folder / f"bench-{args.big_rows}.parquet"
    for path, rows in ((small, args.rows), (big, args.big_rows)):
        if not path.exists():
            print(f"generating {rows:,} rows → {path}", flush=True)
            # In a child: the parent stays small, so children don't inherit its peak RSS at fork.
            subprocess.run([sys.executable, str(HELPERS / "datagen.py"), str(path), str(rows)], check=True)  # noqa: S603

    print(f"\n== Profiling {args.rows:,} rows × 20 columns (Parquet, {small.stat().st_size / 2**20:.0f} MiB)")
    ours = best_of("meshport", str(small), args.repeat)
    pandas = best_of("pandas", str(small), args.repeat)
    polars = best_of("polars", str(small), args.repeat)
    ydata = None if args.skip_ydata else run_engine("ydata", str(small))
    vs_pandas = ours["seconds"] / pandas["seconds"]
    print(line("meshport (DuckDB)", ours))
    print(line("pandas", pandas, ratios(ours, pandas, "pandas")))
    print(line("polars", polars, ratios(ours, polars, "polars")))
    if ydata:
        print(line("ydata-profiling minimal", ydata, ratios(ours, ydata, "ydata")))

    print(f"\n== Profiling {args.big_rows:,} rows (Parquet, {big.stat().st_size / 2**20:.0f} MiB)")
    ours_big = best_of("meshport", str(big), args.repeat)
    scale = ours_big["seconds"] / ours["seconds"]
    print(line("meshport (DuckDB)", ours_big, f"10M/1M time = {scale:.1f}×"))

    problems = agreement(ours, pandas)
    print("\n== Agreement with pandas: " + ("all null counts, distinct counts (±5 % where estimated) and "
                                          "means match" if not problems else "; ".join(problems)))
    print(f"   PII found: {', '.join(ours['pii'])}")
    print("\n== Targets")
    print(f"   time ≤ {TARGETS['vs_pandas']}× pandas: {vs_pandas:.2f}× {verdict(vs_pandas <= TARGETS['vs_pandas'])}")
    if ydata:
        vs_ydata = ours["seconds"] / ydata["seconds"]
        print(f"   time ≤ {TARGETS['vs_ydata']}× ydata-profiling: {vs_ydata:.3f}× "
              f"{verdict(vs_ydata <= TARGETS['vs_ydata'])}")
    print(f"   peak ≤ {TARGETS['peak_mb_1m']} MB at 1M: {ours['peak_mb']:.0f} MB "
          f"{verdict(ours['peak_mb'] <= TARGETS['peak_mb_1m'])}")
    print(f"   10M ≤ {TARGETS['scale_10x']}× the 1M time: {scale:.1f}× {verdict(scale <= TARGETS['scale_10x'])}")
    print(f"   peak ≤ {TARGETS['peak_mb_10m']} MB at 10M: {ours_big['peak_mb']:.0f} MB "
          f"{verdict(ours_big['peak_mb'] <= TARGETS['peak_mb_10m'])}")


if __name__ == "__main__":
    main()
