"""The governance REST API (mounted under /api/)."""
