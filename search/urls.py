"""Search API routes (mounted under /api/)."""
from django.urls import path

from search.api import SearchView, SuggestView

urlpatterns = [
    path("search/", SearchView.as_view(), name="search-api"),
    path("search/suggest/", SuggestView.as_view(), name="search-suggest"),
]
