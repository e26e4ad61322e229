"""Page-number pagination whose page size the client may choose, within a bound; a page or page size
that is not a positive whole number is refused (400 naming it), not silently replaced."""
from rest_framework import pagination
from rest_framework.exceptions import ValidationError


class PageNumberPagination(pagination.PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 200

    def get_page_size(self, request):
        _positive(request, self.page_size_query_param)
        return super().get_page_size(request)

    def get_page_number(self, request, paginator):
        raw = request.query_params.get(self.page_query_param)
        if raw not in self.last_page_strings:
            _positive(request, self.page_query_param)
        return super().get_page_number(request, paginator)


class CursorPagination(pagination.CursorPagination):
    """Cursor pagination whose page size, when given, must be a positive whole number (400 naming it)."""

    page_size_query_param = "page_size"

    def get_page_size(self, request):
        _positive(request, self.page_size_query_param)
        return super().get_page_size(request)


def _positive(request, name: str) -> None:
    values = request.query_params.getlist(name)
    for raw in values:
        if not (raw.isascii() and raw.isdigit() and int(raw) > 0):
            raise ValidationError({name: [f"A positive whole number, not {raw[:40]!r}."]})
