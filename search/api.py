"""Search API: ``GET /api/search/`` (hits, highlights, facets, the corrected text) and ``GET /api/search/suggest/``."""
from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import permissions, serializers
from rest_framework.exceptions import APIException
from rest_framework.response import Response
from rest_framework.views import APIView

from catalog.visibility import Viewer
from search.backends.base import SearchUnavailable
from search.params import SearchParamsSerializer, SuggestParamsSerializer
from search.selectors import search_products, spelling_correction, suggest_products
from search.types import SearchRequest


class ServiceUnavailable(APIException):
    status_code = 503
    default_detail = "Search is unavailable right now; please retry shortly."


class FacetValueSerializer(serializers.Serializer):
    value = serializers.CharField()
    count = serializers.IntegerField()


class HitSerializer(serializers.Serializer):
    identifier = serializers.CharField()
    name = serializers.CharField()
    domain = serializers.CharField()
    description = serializers.CharField()
    status = serializers.CharField()
    quality_score = serializers.FloatField(allow_null=True)
    visibility = serializers.CharField()
    matched_by = serializers.ChoiceField(choices=["words", "meaning", "both"])
    highlights = serializers.DictField(child=serializers.ListField(child=serializers.CharField()),
                                       help_text="Escaped fragments with <mark> around what matched.")


class FacetsSerializer(serializers.Serializer):
    domain = FacetValueSerializer(many=True)
    tag = FacetValueSerializer(many=True)
    status = FacetValueSerializer(many=True)
    format = FacetValueSerializer(many=True)
    owner = FacetValueSerializer(many=True)


class SearchResultSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    page = serializers.IntegerField()
    corrected = serializers.CharField(
        allow_null=True,
        help_text="The text the results are for when a misspelled word matched nothing as typed and a near "
                  "spelling did (`custmer` → `customer`), as the search page says \"Showing results for …\"; "
                  "null when the words were searched as typed. `correct=false` searches them as typed.")
    results = HitSerializer(many=True, source="hits")
    facets = FacetsSerializer()


class SuggestionSerializer(serializers.Serializer):
    identifier = serializers.CharField()
    name = serializers.CharField()
    domain = serializers.CharField()
    column = serializers.CharField(help_text="Set on a column suggestion: the column of the product that matched.")
    matched = serializers.CharField(help_text="The words completed: as typed, or their correction.")


class SuggestResultSerializer(serializers.Serializer):
    query = serializers.CharField(help_text="The text completed, as received.")
    suggestions = SuggestionSerializer(many=True)


def result_data(page, number: int, corrected: str = "") -> dict:
    """The body ``SearchResultSerializer`` documents, built directly: nested serializers cost more
    than the search itself on a page of twenty hits with a hundred facet values."""
    return {
        "count": page.count, "page": number, "corrected": corrected or None, "facets": page.facets,
        "results": [{"identifier": h.identifier, "name": h.name, "domain": h.domain, "description": h.description,
                     "status": h.status, "quality_score": h.quality_score, "visibility": h.visibility,
                     "matched_by": h.matched_by,
                     "highlights": h.highlights}
                    for h in page.hits],
    }


class SearchView(APIView):
    permission_classes = [permissions.AllowAny]

    @extend_schema(parameters=[SearchParamsSerializer], responses=SearchResultSerializer)
    def get(self, request):
        params = SearchParamsSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        search = params.to_search(request.user)
        try:
            page = search_products(search)
            corrected = spelling_correction(search, page)
        except SearchUnavailable as exc:
            raise ServiceUnavailable() from exc
        return Response(result_data(page, search.page, corrected))


class SuggestView(APIView):
    permission_classes = [permissions.AllowAny]

    @extend_schema(parameters=[SuggestParamsSerializer], responses=SuggestResultSerializer)
    def get(self, request):
        params = SuggestParamsSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        try:
            found = suggest_products(params.validated_data["q"], SearchRequest(viewer=Viewer.of(request.user)))
        except SearchUnavailable as exc:
            raise ServiceUnavailable() from exc
        return Response({"query": params.validated_data["q"], "suggestions": SuggestionSerializer(found, many=True).data})
