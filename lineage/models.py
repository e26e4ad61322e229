"""Lineage data: datasets, jobs, runs and the edges between them."""
