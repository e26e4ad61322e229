"""Values that cross the search interface: the request, the viewer's scope, hits and pages."""
from __future__ import annotations

from dataclasses import dataclass, field

FACET_FIELDS = ("domain", "tag", "status", "format", "owner")
SORTS = ("relevance", "name", "quality", "usage", "updated")
PAGE_SIZE = 20


@dataclass(frozen=True)
class Scope:
    """What a viewer may see: stewards everything, members their domains' drafts and restricted details.

    ``member_domains`` holds domain ids. Anonymous viewers see neither drafts nor internal products.
    """

    steward: bool = False
    authenticated: bool = False
    member_domains: frozenset[int] = frozenset()

    @classmethod
    def for_user(cls, user) -> Scope:
        from catalog.permissions import is_steward, member_domain_ids

        if user is None or not user.is_authenticated:
            return cls()
        return cls(steward=is_steward(user), authenticated=True, member_domains=frozenset(member_domain_ids(user)))

    def sees_details(self, visibility: str, domain_id: int) -> bool:
        return visibility != "restricted" or self.steward or domain_id in self.member_domains


@dataclass(frozen=True)
class SearchRequest:
    """A parsed, validated search: the text plus filters, sort and page (1-based)."""

    text: str = ""
    scope: Scope = Scope()  # least privilege: a caller that forgets the viewer gets the public view
    domain: tuple[str, ...] = ()
    tag: tuple[str, ...] = ()
    status: tuple[str, ...] = ()
    format: tuple[str, ...] = ()
    owner: tuple[str, ...] = ()
    has_pii: bool | None = None
    min_quality: float | None = None
    sort: str = "relevance"
    page: int = 1
    page_size: int = PAGE_SIZE
    facets: bool = True
    operator: str = "and"

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
    score: float = 0.0


@dataclass
class SearchPage:
    count: int
    hits: list[Hit]
    facets: dict[str, list[dict]] = field(default_factory=dict)


@dataclass(frozen=True)
class Suggestion:
    identifier: str
    name: str
    domain: str
