"""``GET /api/products/<identifier>/history/`` (a product's versions) and ``GET /api/events/`` (the CloudEvents feed)."""
from __future__ import annotations

from urllib.parse import urlencode

from drf_spectacular.utils import extend_schema
from rest_framework import generics, permissions, serializers, views
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from audit.access import product_access
from audit.feed import feed_page
from audit.models import ProductVersion
from audit.selectors import version_list
from audit.versions import public_diff
from meshport.fields import QueryIntegerField
from meshport.pagination import CursorPagination


class VersionSerializer(serializers.ModelSerializer):
    """One version; ``description`` and ``diff`` name columns only for readers of the product's details."""

    version = serializers.IntegerField(source="sequence")
    description = serializers.SerializerMethodField()
    diff = serializers.SerializerMethodField()
    details_visible = serializers.SerializerMethodField()

    class Meta:
        model = ProductVersion
        fields = ["version", "identifier", "bump", "description", "diff", "details_visible", "snapshot_hash",
                  "actor", "actor_name", "created_at", "event_id"]
        read_only_fields = fields

    def _reads(self) -> bool:
        return bool(self.context.get("reads"))

    def get_description(self, obj) -> str:
        return obj.description if self._reads() else obj.summary

    def get_diff(self, obj) -> dict:
        return obj.diff if self._reads() else public_diff(obj.diff)

    def get_details_visible(self, obj) -> bool:
        return self._reads()


class VersionPagination(CursorPagination):
    ordering = "-sequence"
    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100


class ProductHistoryView(generics.ListAPIView):
    """Visible to whoever may know the product (else 404); column-level details to its readers."""

    serializer_class = VersionSerializer
    pagination_class = VersionPagination
    permission_classes = [permissions.AllowAny]
    filter_backends: list = []

    @extend_schema(operation_id="product_history", summary="A product's versions, newest first")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def _access(self) -> tuple[int, bool]:
        if not hasattr(self, "_found"):
            access = product_access(self.request.user, identifier=self.kwargs["identifier"])
            if not access:
                raise NotFound("No such product.")
            self._found = next(iter(access.items()))
        return self._found

    def get_queryset(self):
        return version_list(product_id=self._access()[0])

    def get_serializer_context(self):
        context = super().get_serializer_context()
        if getattr(self, "request", None) is not None and "identifier" in getattr(self, "kwargs", {}):
            context["reads"] = self._access()[1]
        return context


class FeedQuerySerializer(serializers.Serializer):
    after = QueryIntegerField(required=False, min_value=0, default=0,
                                     help_text="Events after this id (the `after` of the previous page, or an event's id).")
    limit = QueryIntegerField(required=False, min_value=1, max_value=500, default=100,
                                     help_text="Events per page (at most 500).")


class CloudEventSerializer(serializers.Serializer):
    specversion = serializers.CharField(help_text="`1.0`")
    id = serializers.CharField(help_text="The audit event's id.")
    source = serializers.CharField()
    type = serializers.CharField(help_text="`io.meshport.<action>`, e.g. `io.meshport.product.updated`.")
    subject = serializers.CharField(help_text="`<subject type>/<label>`, e.g. `product/sales.orders`.")
    time = serializers.DateTimeField()
    datacontenttype = serializers.CharField()
    data = serializers.JSONField()


class FeedPageSerializer(serializers.Serializer):
    events = CloudEventSerializer(many=True)
    after = serializers.IntegerField(help_text="The last event id scanned: resume with `?after=` this.")
    next = serializers.URLField(allow_null=True, help_text="The next page, or null when nothing is left yet.")


class EventFeedView(views.APIView):
    """The audit log as CloudEvents 1.0, oldest first, cut to what the caller may see (``audit.feed``)."""

    permission_classes = [permissions.AllowAny]

    @extend_schema(operation_id="event_feed", summary="Events as CloudEvents 1.0, resumable with `after`",
                   parameters=[FeedQuerySerializer], responses=FeedPageSerializer)
    def get(self, request):
        query = FeedQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        limit = query.validated_data["limit"]
        page = feed_page(user=request.user, after=query.validated_data["after"], limit=limit)
        following = f"{request.build_absolute_uri(request.path)}?{urlencode({'after': page.last_id, 'limit': limit})}"
        return Response({"events": page.events, "after": page.last_id, "next": following if page.more else None})
