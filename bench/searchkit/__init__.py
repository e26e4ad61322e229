"""Helpers of the search benchmarks: the generated mesh, raw-engine baselines, database set-up."""
