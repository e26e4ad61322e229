"""Write side of the products API (POST/PUT of descriptors): built on the descriptors branch."""


class ProductPublishMixin:
    """Write side: built on the descriptors branch."""
