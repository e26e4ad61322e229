"""Quality API: a product's score with its dimensions, checks and history; owners start a run."""
from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, status
from rest_framework.exceptions import PermissionDenied as ApiPermissionDenied
from rest_framework.response import Response
from rest_framework.views import APIView

from catalog.models import DataProduct
from governance import selectors
from governance.api.serializers import QualityRunQueuedSerializer, QualitySerializer
from governance.services import product_quality_request


def _visible_product(request, identifier: str) -> DataProduct:
    return get_object_or_404(DataProduct.objects.known_to(request.user), identifier=identifier)


class ProductQualityView(APIView):
    permission_classes = [permissions.AllowAny]

    @extend_schema(responses=QualitySerializer)
    def get(self, request, identifier: str):
        product = _visible_product(request, identifier)
        return Response(QualitySerializer(selectors.quality_summary(product, viewer=request.user)).data)


class ProductQualityRunView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(request=None, responses={202: QualityRunQueuedSerializer})
    def post(self, request, identifier: str):
        product = _visible_product(request, identifier)
        try:
            product_quality_request(product=product, actor=request.user)
        except PermissionDenied as exc:
            raise ApiPermissionDenied(str(exc)) from exc
        body = {"status": "queued", "product": product.identifier}
        return Response(QualityRunQueuedSerializer(body).data, status=status.HTTP_202_ACCEPTED)
