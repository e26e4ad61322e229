"""Read API for domains and data products; writes come from ``ProductPublishMixin``."""
from __future__ import annotations

from django.http import Http404
from django_filters.rest_framework import DjangoFilterBackend
from django_filters.utils import translate_validation
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, permissions, viewsets

from catalog import selectors
from catalog.api.publish import ProductPublishMixin
from catalog.api.serializers import DomainSerializer, ProductDetailSerializer, ProductSerializer
from catalog.filters import ProductFilter
from catalog.models import DataProduct, Domain
from catalog.permissions import CanWriteProduct


@extend_schema_view(
    list=extend_schema(summary="Domains, with their team and the number of products you can see"),
    retrieve=extend_schema(summary="One domain"),
)
class DomainViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = DomainSerializer
    lookup_field = "slug"
    filter_backends: list = []

    def get_queryset(self):
        return selectors.domain_list(user=self.request.user)

    def get_object(self):
        try:
            return selectors.domain_detail(user=self.request.user, slug=self.kwargs["slug"])
        except Domain.DoesNotExist as exc:
            raise Http404("No such domain.") from exc


class ProductFilterBackend(DjangoFilterBackend):
    """Validates the filters (400 on bad values) and describes them; ``selectors.product_list`` applies them."""

    def filter_queryset(self, request, queryset, view):
        filterset = self.get_filterset(request, queryset, view)
        if filterset is not None and not filterset.is_valid():
            raise translate_validation(filterset.errors)
        return queryset


@extend_schema_view(
    list=extend_schema(summary="Data products you may see (retired ones only with status=retired)"),
    retrieve=extend_schema(summary="One data product with its ports, schema, team and SLOs"),
)
class ProductViewSet(
    ProductPublishMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    lookup_field = "identifier"
    lookup_value_regex = r"[^/]+"
    permission_classes = [permissions.IsAuthenticatedOrReadOnly, CanWriteProduct]
    filter_backends = [ProductFilterBackend]
    filterset_class = ProductFilter

    def get_serializer_class(self):
        return ProductSerializer if self.action == "list" else ProductDetailSerializer

    def get_queryset(self):
        if self.action == "list":
            return selectors.product_list(user=self.request.user, filters=self.request.query_params)
        return selectors.product_base(user=self.request.user)

    def get_object(self):
        try:
            product = selectors.product_detail(user=self.request.user, identifier=self.kwargs["identifier"])
        except DataProduct.DoesNotExist as exc:
            raise Http404("No such data product, or you may not see it.") from exc
        self.check_object_permissions(self.request, product)
        return product
