"""Who may write lineage: a ``Producer`` value made once per request from the lineage-producer roles.

Posting OpenLineage events needs a role (``LineageProducer``, granted in admin), for some domains
or platform-wide; stewards are platform-wide producers. Edges are kept from any producer: they
describe what pipelines read and wrote, and change no one's score. Facets that change trust
(``TRUSTED_FACETS``: reported quality, owners, observed columns) count only on datasets of products
in domains the producer may write, so a pipeline vouches for its own domain's data only.
"""
from __future__ import annotations

from dataclasses import dataclass

# Facets whose content changes what Meshport believes about a product: its quality score (reported
# assertions and metrics), whom impact analysis tells (ownership), its columns (schema).
TRUSTED_FACETS = ("dataQualityAssertions", "dataQualityMetrics", "ownership", "schema")


@dataclass(frozen=True)
class Producer:
    """What one poster may write: every domain (``platform``), or the datasets of these domains' products."""

    platform: bool = False
    domain_ids: frozenset[int] = frozenset()

    @property
    def may_post(self) -> bool:
        return self.platform or bool(self.domain_ids)

    def may_vouch_for(self, domain_id: int | None) -> bool:
        """Whether trust facets count on a dataset of a product in ``domain_id`` (None: no product, all may)."""
        return domain_id is None or self.platform or domain_id in self.domain_ids


PLATFORM = Producer(platform=True)


def producer_of(user) -> Producer:
    """The producer a user is: platform-wide for stewards and platform roles, else the roles' domains."""
    from django.db import connection

    from catalog.permissions import is_steward
    from lineage.models import LineageProducer

    if user is None or not user.is_authenticated:
        return Producer()
    with connection.cursor() as cursor:  # plain SQL: every OpenLineage request asks, the ORM's compiling is not free
        cursor.execute(f"SELECT domain_id FROM {LineageProducer._meta.db_table} WHERE user_id = %s", [user.pk])  # noqa: S608
        domains = {row[0] for row in cursor.fetchall()}
    if None in domains or is_steward(user):  # the role first: a pipeline's account is seldom a steward
        return PLATFORM
    return Producer(domain_ids=frozenset(domains))
