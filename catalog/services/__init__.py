"""Catalog write use cases that other apps call (they may import catalog; catalog imports neither)."""
