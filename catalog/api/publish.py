"""Write side of the products API: POST and PUT descriptors (JSON or YAML) to publish products.

The body is an ODPS document, a bundle ``{"product": …, "contracts": […]}``, or a
multi-document YAML (product and contracts). Errors name every failing path:
``{"detail": "...", "errors": [{"path": "product.status", "message": "..."}]}``. A success lists
``warnings`` in the same shape: what the import did beyond the request, such as other products
rewritten through a contract they share, or ports kept with their contract pending.
"""
from __future__ import annotations

from django.urls import NoReverseMatch, reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from catalog.descriptors.services import ImportResult, descriptors_import
from standards.errors import DescriptorError, DescriptorPermissionError
from standards.payload import PRODUCT_KIND, Document, documents_from_payload

BODY_HELP = (
    "An ODPS v1 DataProduct document, a bundle {\"product\": ..., \"contracts\": [ODCS v3.1 ...]}, "
    "or a multi-document YAML (Content-Type: application/yaml). Contracts already in the catalog "
    "need not be repeated. A 400 lists every failing path in `errors`; a success lists `warnings` "
    "(other products a shared contract's change rewrote, ports whose contract is pending). "
    "With `?dry_run=true` everything is checked (permissions included) and nothing is written, "
    "audited or announced: the answer (200) says what publishing would do, as the publish page's "
    "\"Validate only\" does, or lists the same errors."
)
DRY_RUN = OpenApiParameter("dry_run", OpenApiTypes.BOOL, description="Check only: write nothing.")
REQUEST = {"application/json": OpenApiTypes.OBJECT, "application/yaml": OpenApiTypes.OBJECT}
CREATE_RESPONSES = {code: OpenApiTypes.OBJECT for code in (200, 201, 400, 401, 403)}
UPDATE_RESPONSES = {code: OpenApiTypes.OBJECT for code in (200, 400, 401, 403, 404)}


class ProductPublishMixin:
    """``create`` (POST /api/products/) and ``update`` (PUT /api/products/<identifier>/)."""

    @extend_schema(request=REQUEST, responses=CREATE_RESPONSES, description=BODY_HELP, parameters=[DRY_RUN],
                   summary="Publish a data product from its ODPS descriptor and ODCS contracts")
    def create(self, request, *args, **kwargs):
        try:
            result = self._publish(request, documents_from_payload(request.data))
        except DescriptorError as exc:
            return _invalid(exc)
        product = result.products[0]
        if _dry_run(request):
            return Response(_checked(result))
        code = status.HTTP_201_CREATED if product.identifier in result.created else status.HTTP_200_OK
        return Response(_published(request, product, result), status=code)

    @extend_schema(request=REQUEST, responses=UPDATE_RESPONSES, parameters=[DRY_RUN],
                   description=BODY_HELP, summary="Replace a data product's descriptor (the document must describe that product)")
    def update(self, request, *args, **kwargs):
        product = self.get_object()
        try:
            documents = documents_from_payload(request.data)
            _require_same_product(documents, product.external_id)
            result = self._publish(request, documents)
        except DescriptorError as exc:
            return _invalid(exc)
        if _dry_run(request):
            return Response(_checked(result))
        return Response(_published(request, result.products[0], result))

    def _publish(self, request, documents: list[dict]) -> ImportResult:
        _require_one_product(documents)
        try:
            return descriptors_import(documents=documents, actor=request.user, source="api", dry_run=_dry_run(request))
        except DescriptorPermissionError as exc:
            raise PermissionDenied(str(exc)) from exc


def _dry_run(request) -> bool:
    return str(request.query_params.get("dry_run", "")).lower() in {"1", "true", "yes", "on"}


def _checked(result: ImportResult) -> dict:
    """A dry run's answer: what publishing would do (the page's words), and nothing written."""
    return {
        "dry_run": True,
        "detail": f"Valid. Publishing {result.would_do()}. Nothing was written.",
        "identifier": result.products[0].identifier,
        "created": result.created,
        "updated": result.updated,
        "unchanged": result.unchanged,
        "warnings": result.warnings,
    }


def _products(documents: list[dict]) -> list[dict]:
    return [d for d in documents if Document(data=d).kind == PRODUCT_KIND]


def _require_one_product(documents: list[dict]) -> None:
    count = len(_products(documents))
    if count != 1:
        message = f"Expected exactly one ODPS document (kind: {PRODUCT_KIND}) per request, found {count}."
        raise DescriptorError([{"path": "product", "message": message}])


def _require_same_product(documents: list[dict], external_id: str) -> None:
    products = _products(documents)
    if products and products[0].get("id") != external_id:
        message = f"This document describes another product; the one at this address has id {external_id!r}."
        raise DescriptorError([{"path": "product.id", "message": message}])


def _invalid(exc: DescriptorError) -> Response:
    return Response({"detail": exc.detail, "errors": exc.errors}, status=status.HTTP_400_BAD_REQUEST)


def _published(request, product, result: ImportResult) -> dict:
    return {
        "identifier": product.identifier,
        "url": request.build_absolute_uri(_reverse("catalog:product", product.identifier, "/products/")),
        "api_url": request.build_absolute_uri(_reverse("api-product-detail", product.identifier, "/api/products/")),
        "created": result.created,
        "updated": result.updated,
        "unchanged": result.unchanged,
        "warnings": result.warnings,
    }


def _reverse(name: str, identifier: str, prefix: str) -> str:
    # The page and read routes come from other parts of the app; fall back to their documented shape.
    try:
        return reverse(name, args=[identifier])
    except NoReverseMatch:
        return f"{prefix}{identifier}/"
