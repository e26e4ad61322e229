"""Template tags of the catalog app."""
