"""Governance management commands."""
