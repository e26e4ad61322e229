"""Lineage use cases (writes): ingestion, port matching, derived product and column edges."""
