"""The same statistics computed by pandas, polars and ydata-profiling, as baselines for bench/profile.py."""
from __future__ import annotations

import numpy as np

BINS = 20
TOP_K = 10


def pandas_profile(path: str) -> dict:
    """Row count, nulls, distinct, min/max/mean/std, quartiles, top 10, histograms, string lengths."""
    import pandas as pd

    frame = pd.read_parquet(path)
    return {"row_count": len(frame), "columns": {name: _pandas_column(frame[name]) for name in frame.columns}}


def _pandas_column(series) -> dict:
    import pandas as pd

    nn = series.dropna()
    counts = nn.value_counts()
    stats = {"null_count": int(len(series) - len(nn)), "distinct_count": len(counts),
             "top_values": counts.head(TOP_K).to_dict()}
    if not len(nn):
        return stats
    stats.update(min=nn.min(), max=nn.max())
    first = nn.iloc[0]
    if pd.api.types.is_bool_dtype(series) or isinstance(first, bool):
        return stats
    if isinstance(first, str):
        lengths = nn.str.len()
        stats["length"] = {"min": lengths.min(), "avg": lengths.mean(), "max": lengths.max()}
        return stats
    if pd.api.types.is_numeric_dtype(series):
        x = nn.astype("float64")
    else:  # timestamps, or dates read as objects
        x = pd.to_datetime(nn).astype("int64").astype("float64")
    stats.update(mean=x.mean(), stddev=x.std(), quartiles=list(x.quantile([0.25, 0.5, 0.75])),
                 histogram=np.histogram(x, bins=BINS)[0].tolist())
    return stats


def polars_profile(path: str) -> dict:
    """The same statistics with polars' lazy engine, scanning the Parquet file."""
    import polars as pl

    lazy = pl.scan_parquet(path)
    schema = lazy.collect_schema()
    exprs = [pl.len().alias("__rows")]
    for name, dtype in schema.items():
        c = pl.col(name)
        exprs += [c.null_count().alias(f"{name}__nulls"), c.n_unique().alias(f"{name}__distinct"),
                  c.min().alias(f"{name}__min"), c.max().alias(f"{name}__max")]
        if dtype.is_numeric() or dtype.is_temporal():
            x = c.cast(pl.Float64) if dtype.is_numeric() else c.dt.epoch("us").cast(pl.Float64)
            exprs += [x.mean().alias(f"{name}__mean"), x.std().alias(f"{name}__std"),
                      *[x.quantile(q).alias(f"{name}__q{q}") for q in (0.25, 0.5, 0.75)]]
        if dtype == pl.String:
            n = c.str.len_chars()
            exprs += [n.min().alias(f"{name}__lmin"), n.mean().alias(f"{name}__lavg"), n.max().alias(f"{name}__lmax")]
    summary = lazy.select(exprs).collect().row(0, named=True)
    tops = {name: lazy.select(pl.col(name).drop_nulls().value_counts(sort=True).head(TOP_K)).collect()
            for name in schema}
    hists = {name: lazy.select(_polars_hist(name, dtype, summary)).collect()
             for name, dtype in schema.items() if dtype.is_numeric() or dtype.is_temporal()}
    return {"row_count": summary["__rows"], "summary": summary, "tops": tops, "hists": hists}


def _polars_hist(name: str, dtype, summary: dict):
    import polars as pl

    x = pl.col(name).cast(pl.Float64) if dtype.is_numeric() else pl.col(name).dt.epoch("us").cast(pl.Float64)
    lo, hi = (summary[f"{name}__min"], summary[f"{name}__max"])
    lo, hi = (float(lo), float(hi)) if dtype.is_numeric() else (None, None)
    if lo is None:
        lo_e, hi_e = x.min(), x.max()
        return ((x - lo_e) / ((hi_e - lo_e) / BINS)).floor().clip(0, BINS - 1).value_counts()
    width = (hi - lo) / BINS or 1.0
    return ((x - lo) / width).floor().clip(0, BINS - 1).value_counts()


def ydata_profile(path: str) -> dict:
    """ydata-profiling's minimal report description (the statistics, not the HTML)."""
    import logging
    import warnings

    import pandas as pd

    logging.getLogger("ydata_profiling").setLevel(logging.ERROR)
    warnings.filterwarnings("ignore")
    from ydata_profiling import ProfileReport

    frame = pd.read_parquet(path)
    report = ProfileReport(frame, minimal=True, progress_bar=False)
    description = report.get_description()
    return {"row_count": len(frame), "variables": len(description.variables)}
