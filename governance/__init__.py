"""Governance: quality checks from data contracts, quality runs and scores."""
