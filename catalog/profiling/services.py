"""Profiling use cases: profile a product's output ports (to be built: issue 4)."""


def product_profile(*, product_id: int) -> None:
    """Profile every output port of a product (to be built: issue 4)."""
