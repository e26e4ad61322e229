"""Search over data products: one interface (``backends``), two engines, one document builder."""
