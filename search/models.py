"""Tables of the database search backend: one entry per indexed product, its facets, its words.

They are a derived copy, rebuilt from the catalog at any time (``manage.py search_index``).
The engine-specific text index sits beside them: an FTS5 table on SQLite, a weighted
``tsvector`` column with a GIN index on PostgreSQL (both created in catalog's migration
``0003_search_fts``: the tables were catalog's before this app, and keep their names).
"""
from django.db import models
from django.utils import timezone


class SearchEntry(models.Model):
    """The indexed copy of a product: what ranking, filters and result rows need."""

    product_id = models.BigIntegerField(primary_key=True)
    identifier = models.CharField(max_length=170, unique=True)
    name_norm = models.CharField(max_length=200, db_index=True, help_text="Lower-cased name.")
    domain_id = models.BigIntegerField(db_index=True)
    status = models.CharField(max_length=16, db_index=True)
    visibility = models.CharField(max_length=16)
    has_pii = models.BooleanField(default=False)
    quality_score = models.FloatField(null=True)
    usage_count = models.PositiveIntegerField(default=0)
    rank_boost = models.FloatField(default=1.0)
    updated = models.CharField(max_length=40)
    content_hash = models.CharField(max_length=32)
    facet_keys = models.TextField(blank=True, help_text="Facet values, counted from the hits in one pass.")
    result = models.JSONField(default=dict, help_text="The fields a hit shows.")

    class Meta:
        db_table = "catalog_searchentry"
        # On SQLite a covering index, catalog_searchentry_hits (catalog migration 0004), serves the search's
        # join; the query names it, so a table rebuild must keep it (tests fail loudly otherwise).

    def __str__(self) -> str:
        return self.identifier


class SearchFacet(models.Model):
    """One facet value of an entry (a product has one domain and status, many tags, formats, owners)."""

    entry = models.ForeignKey(SearchEntry, on_delete=models.CASCADE, db_constraint=False, related_name="+")
    field = models.CharField(max_length=16)
    value = models.CharField(max_length=200)

    class Meta:
        db_table = "catalog_searchfacet"
        # Filters look products up by (field, value); counts come from SearchEntry.facet_keys.
        indexes = [models.Index(fields=["field", "value", "entry"], name="searchfacet_value")]

    def __str__(self) -> str:
        return f"{self.field}={self.value}"


class SearchTerm(models.Model):
    """A word that occurs in indexed text, before stemming: the vocabulary typo correction looks in."""

    term = models.CharField(max_length=64, primary_key=True)

    class Meta:
        db_table = "catalog_searchterm"

    def __str__(self) -> str:
        return self.term


class SearchVector(models.Model):
    """A product's embedding: derived from the text every viewer may see (``search.semantic.store``).

    Kept apart from the entries so a rebuild of the text index reuses it: ``text_hash`` and
    ``model`` say whether the vector still fits the product's text and the current model.
    """

    product_id = models.BigIntegerField(primary_key=True)
    model = models.CharField(max_length=120, help_text="Embedding model name@version.")
    text_hash = models.CharField(max_length=32, help_text="Hash of the embedded text.")
    vector = models.BinaryField(help_text="float32 values, L2-normalised.")
    updated = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        db_table = "search_vector"

    def __str__(self) -> str:
        return f"vector of product {self.product_id}"


class SearchTombstone(models.Model):
    """A deleted product still to be removed from the index, written in the deleting transaction.

    ``version`` is one past the product's last ``search_version``: the delete wins over any slower
    write of an older copy. The reconciler removes ``pending`` tombstones' products, so a delete made
    while the engine was down heals within a minute, not at the nightly comparison. Processed ones
    are kept a day: a rebuild removes what was deleted while it ran from its new index before the swap.
    """

    product_id = models.BigIntegerField(primary_key=True)
    version = models.PositiveBigIntegerField()
    deleted = models.DateTimeField(default=timezone.now, db_index=True)
    pending = models.BooleanField(default=True, db_index=True)

    class Meta:
        db_table = "search_tombstone"

    def __str__(self) -> str:
        return f"tombstone of product {self.product_id}"


class SearchLease(models.Model):
    """A named lock shared by every process (rebuilds, reconciliation), held until ``expires``.

    Taken by inserting the row (the primary key makes it exclusive); a holder that died frees it
    when it expires. ``detail`` says what the holder does, for the refusal message.
    """

    name = models.CharField(max_length=100, primary_key=True)
    holder = models.CharField(max_length=64)
    detail = models.CharField(max_length=200, blank=True)
    expires = models.DateTimeField()

    class Meta:
        db_table = "search_lease"

    def __str__(self) -> str:
        return f"{self.name} held by {self.holder} until {self.expires:%H:%M:%S}"
