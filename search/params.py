"""Reading a search from query parameters: one serializer for the API and the page alike."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

from rest_framework import serializers

from catalog.visibility import Viewer
from search.query import MAX_QUERY_CHARS
from search.types import MODES, PAGE_SIZE, SORTS, SearchRequest

MAX_PAGE = 500  # deeper pages are a crawl, not a search
MAX_RESULT_WINDOW = 10_000  # Elasticsearch's index.max_result_window: no page may reach past it
MAX_FILTER_VALUES = 20
VISIBILITIES = ("public", "internal", "restricted")


def _values() -> serializers.ListField:
    return serializers.ListField(child=serializers.CharField(max_length=200), required=False,
                                 max_length=MAX_FILTER_VALUES, default=list)


class SearchParamsSerializer(serializers.Serializer):
    """``?q=&domain=&tag=&status=&format=&owner=&has_pii=&min_quality=&visibility=&updated_within=&correct=
    &sort=&page=&page_size=&mode=``."""

    q = serializers.CharField(required=False, allow_blank=True, default="", max_length=MAX_QUERY_CHARS,
                              trim_whitespace=True)
    domain, tag, status, format, owner = _values(), _values(), _values(), _values(), _values()
    has_pii = serializers.BooleanField(required=False, allow_null=True, default=None)
    min_quality = serializers.FloatField(required=False, allow_null=True, default=None, min_value=0, max_value=100)
    visibility = serializers.ListField(child=serializers.ChoiceField(choices=VISIBILITIES), required=False,
                                       default=list, max_length=len(VISIBILITIES))
    updated_within = serializers.IntegerField(required=False, allow_null=True, default=None, min_value=1,
                                              max_value=3650, help_text="Only products changed in the last N days.")
    correct = serializers.BooleanField(required=False, default=True,
                                       help_text="false: search the words as typed, without spelling corrections.")
    sort = serializers.ChoiceField(choices=SORTS, required=False, default="relevance")
    page = serializers.IntegerField(required=False, default=1, min_value=1, max_value=MAX_PAGE)
    page_size = serializers.IntegerField(required=False, default=PAGE_SIZE, min_value=1, max_value=100)
    mode = serializers.ChoiceField(choices=MODES, required=False, default="hybrid",
                                   help_text="hybrid: words and meaning fused; lexical: words; semantic: meaning.")

    def validate(self, data):
        # Elasticsearch answers at most index.max_result_window (10,000) results deep; the database
        # backend keeps the same limit, so a page number means the same on both.
        if data["page"] * data["page_size"] > MAX_RESULT_WINDOW:
            last = MAX_RESULT_WINDOW // data["page_size"]
            raise serializers.ValidationError({"page": [
                f"Results end at the {MAX_RESULT_WINDOW:,}th: at {data['page_size']} a page the last page is {last}. "
                f"Narrow the search with filters to see further."]})
        return data

    def to_search(self, user) -> SearchRequest:
        data = self.validated_data
        lists = {key: tuple(v for v in data[key] if v) for key in ("domain", "tag", "status", "format", "owner")}
        since = ""
        if data["updated_within"]:
            since = (datetime.now(UTC) - timedelta(days=data["updated_within"])).isoformat()
        return SearchRequest(
            text=data["q"], viewer=Viewer.of(user), has_pii=data["has_pii"], min_quality=data["min_quality"],
            visibility=tuple(dict.fromkeys(data["visibility"])), updated_after=since, correct=data["correct"],
            sort=data["sort"], page=data["page"], page_size=data["page_size"], mode=data["mode"], **lists,
        )


class SuggestParamsSerializer(serializers.Serializer):
    q = serializers.CharField(required=False, allow_blank=True, default="", max_length=200)
