"""Lineage reads: graph walks with recursive CTEs and impact analysis."""
