"""Index maintenance: keep the search backend in step with the database (the truth)."""


def index_products(product_ids: list[int]) -> None:
    """Re-index these products in the configured backend (to be built: issue 3)."""
