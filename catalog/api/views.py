"""Products API: the descriptor write side, until the read-side viewset joins it at merge."""
from rest_framework import permissions, viewsets

from catalog.api.publish import ProductPublishMixin
from catalog.models import DataProduct
from catalog.permissions import CanWriteProduct


class ProductViewSet(ProductPublishMixin, viewsets.GenericViewSet):
    queryset = DataProduct.objects.select_related("domain")
    lookup_field = "identifier"
    lookup_value_regex = r"[^/]+"
    permission_classes = [permissions.IsAuthenticatedOrReadOnly, CanWriteProduct]
