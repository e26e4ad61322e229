"""Values that cross the search interface: the request, the viewer's scope, hits and pages."""
from __future__ import annotations

from dataclasses import dataclass, field

from catalog.visibility import SqlColumns, Viewer

FACET_FIELDS = ("domain", "tag", "status", "format", "owner")
SORTS = ("relevance", "name", "quality", "usage", "updated")
MODES = ("hybrid", "lexical", "semantic")  # by words and meaning, by words, by meaning
PAGE_SIZE = 20
# The search entries' columns as the visibility rules read them (catalog.visibility).
ENTRY_COLUMNS = SqlColumns(status="e.status", visibility="e.visibility", domain_id="e.domain_id", pk="e.product_id")


@dataclass(frozen=True)
class SearchRequest:
    """A parsed, validated search: the text plus filters, sort and page (1-based)."""

    text: str = ""
    viewer: Viewer = Viewer.ANONYMOUS  # least privilege: a caller that forgets the viewer gets the public view
    domain: tuple[str, ...] = ()
    tag: tuple[str, ...] = ()
    status: tuple[str, ...] = ()
    format: tuple[str, ...] = ()
    owner: tuple[str, ...] = ()
    has_pii: bool | None = None
    min_quality: float | None = None
    visibility: tuple[str, ...] = ()
    updated_after: str = ""  # ISO timestamp (UTC): only products changed since
    correct: bool = True  # words the index lacks may match their near spellings
    sort: str = "relevance"
    page: int = 1
    page_size: int = PAGE_SIZE
    facets: bool = True
    operator: str = "and"
    mode: str = "hybrid"

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.page_size


@dataclass
class Hit:
    id: int
    identifier: str
    name: str
    domain: str
    description: str
    status: str
    quality_score: float | None
    highlights: dict[str, list[str]] = field(default_factory=dict)
    visibility: str = "public"
    score: float = 0.0
    matched_by: str = "words"  # "words", "meaning" or "both"


@dataclass
class SearchPage:
    count: int
    hits: list[Hit]
    facets: dict[str, list[dict]] = field(default_factory=dict)
    corrected: str = ""  # the text searched instead of a misspelled one ("custmer" -> "customer")


@dataclass
class Ranking:
    """The words' ranking without hits: (id, score) in order, which of them match the query's name
    exactly, the total count and the facets (what fusion needs before it knows the page it shows)."""

    count: int
    ranked: list[tuple[int, float]]
    exact: list[int] = field(default_factory=list)
    facets: dict[str, list[dict]] = field(default_factory=dict)
    hits: dict[int, Hit] = field(default_factory=dict)  # hits a backend built anyway (by id), reused when shown


@dataclass(frozen=True)
class Suggestion:
    identifier: str
    name: str
    domain: str
    column: str = ""  # a column suggestion: the column of this product that matched
    matched: str = ""  # the words it completes: what was typed, or its correction ("custmer" -> "customer")
