"""Catalog data: domains and their teams, data products, ports, schema columns, contracts, tags.

Models hold fields, constraints and cheap properties only. Use cases live in ``services``
modules, reads in ``selectors``.
"""
from __future__ import annotations

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.urls import reverse

from catalog.markdown import render_markdown

slug_validator = RegexValidator(
    r"^[a-z0-9][a-z0-9_-]*$", "Use lower-case letters, digits, '-' and '_', starting with a letter or digit."
)


class TimeStamped(models.Model):
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class Domain(TimeStamped):
    """A business domain (sales, finance …) whose team owns data products."""

    slug = models.SlugField(max_length=64, unique=True, validators=[slug_validator])
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    data_locations = models.JSONField(
        default=list, blank=True,
        help_text="Where this domain's data lies, besides its folder under each MESHPORT_DOMAIN_FOLDERS entry: "
                  "folders, SQL prefixes (postgres://host:5432/db/schema) or object-store prefixes (s3://bucket/x/).",
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("catalog:domain", args=[self.slug])


class DomainMembership(TimeStamped):
    """A user's role in a domain's team: owners administer it, members publish in it."""

    class Role(models.TextChoices):
        OWNER = "owner", "Owner"
        MEMBER = "member", "Member"

    domain = models.ForeignKey(Domain, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.MEMBER)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["domain", "user"], name="uniq_membership")]
        ordering = ["domain__name", "user__username"]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()} of {self.domain}"


class Tag(models.Model):
    name = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ProductQuerySet(models.QuerySet):
    def published(self) -> ProductQuerySet:
        return self.filter(status=DataProduct.Status.PUBLISHED)

    def listed(self) -> ProductQuerySet:
        """What the marketplace lists at all: everything but retired products."""
        return self.exclude(status=DataProduct.Status.RETIRED)

    def known_to(self, viewer) -> ProductQuerySet:
        """Products a viewer (or user) may know exist, by the one rule in ``catalog.visibility``.

        Restricted products are listed (consumers learn that they exist and whom to ask); what
        they may read of them is ``Viewer.reads``.
        """
        from catalog.visibility import Viewer

        return self.filter(Viewer.of(viewer).lists_q())


class DataProduct(TimeStamped):
    """A data product, published by a domain (ODPS ``DataProduct``)."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"
        DEPRECATED = "deprecated", "Deprecated"
        RETIRED = "retired", "Retired"

    class Visibility(models.TextChoices):
        PUBLIC = "public", "Public"
        INTERNAL = "internal", "Internal"
        RESTRICTED = "restricted", "Restricted"

    domain = models.ForeignKey(Domain, on_delete=models.PROTECT, related_name="products")
    slug = models.SlugField(max_length=100, validators=[slug_validator])
    identifier = models.CharField(
        max_length=170, unique=True, editable=False, help_text="Stable identifier: <domain>.<slug>."
    )
    external_id = models.CharField(
        max_length=200, unique=True, help_text="The descriptor's `id` (ODPS), stable across versions."
    )
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True, help_text="Markdown; rendered sanitised.")
    # The description rendered once per change (catalog.markdown), not on every read.
    description_html = models.TextField(blank=True, editable=False)
    purpose = models.TextField(blank=True)
    limitations = models.TextField(blank=True)
    usage = models.TextField(blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.DRAFT, db_index=True)
    version = models.CharField(max_length=50, blank=True)
    visibility = models.CharField(
        max_length=16, choices=Visibility.choices, default=Visibility.PUBLIC, db_index=True
    )
    tags = models.ManyToManyField(Tag, blank=True, related_name="products")
    team_name = models.CharField(max_length=200, blank=True)
    support = models.JSONField(default=list, blank=True, help_text="ODPS/ODCS support channels.")
    # Service-level objectives, gathered from the ports' contracts (ODCS slaProperties).
    freshness_slo_hours = models.FloatField(null=True, blank=True, help_text="Max data age (latency).")
    availability_slo = models.FloatField(null=True, blank=True, help_text="Availability, percent.")
    custom_properties = models.JSONField(default=dict, blank=True)
    descriptor = models.JSONField(default=dict, blank=True, help_text="The ODPS document as last imported.")
    descriptor_hash = models.CharField(max_length=64, blank=True, editable=False)
    # Derived, denormalised signals written by other apps through catalog services.
    quality_score = models.FloatField(null=True, blank=True, editable=False)
    usage_count = models.PositiveIntegerField(default=0, editable=False)
    search_dirty = models.BooleanField(default=True, db_index=True, editable=False)
    # Bumped in the writer's transaction with every announced change: a search index keeps the copy of
    # the highest version it was sent (Elasticsearch external versioning), so a slow worker's old copy loses.
    search_version = models.PositiveBigIntegerField(default=1, editable=False)
    flags = models.JSONField(default=dict, blank=True, editable=False, help_text="e.g. schema drift.")

    objects = ProductQuerySet.as_manager()

    class Meta:
        ordering = ["domain__slug", "slug"]
        constraints = [models.UniqueConstraint(fields=["domain", "slug"], name="uniq_product_slug")]

    def __str__(self) -> str:
        return self.identifier

    def save(self, *args, **kwargs):
        self.identifier = f"{self.domain.slug}.{self.slug}"
        update_fields = kwargs.get("update_fields")
        if update_fields is None or "description" in update_fields:
            if self._description_html_refresh() and update_fields is not None:
                kwargs["update_fields"] = {*update_fields, "description_html"}
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("catalog:product", args=[self.identifier])

    @classmethod
    def from_db(cls, db, field_names, values):
        product = super().from_db(db, field_names, values)
        product._html_source = product.__dict__.get("description")  # what description_html was made from
        return product

    def _description_html_refresh(self) -> bool:
        """Render the description once per change (every write path saves through here); True if it did."""
        if getattr(self, "_html_source", None) == self.description and (self.description_html or not self.description):
            return False
        self.description_html = str(render_markdown(self.description))
        self._html_source = self.description
        return True

class ProductTeamMember(models.Model):
    """A person on the product's team (ODCS/ODPS ``team.members``), matched to a user when known."""

    product = models.ForeignKey(DataProduct, on_delete=models.CASCADE, related_name="team_members")
    username = models.CharField(max_length=200)
    name = models.CharField(max_length=200, blank=True)
    role = models.CharField(max_length=100, blank=True, help_text="owner, data steward, …")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)

    class Meta:
        ordering = ["product", "username"]
        constraints = [models.UniqueConstraint(fields=["product", "username"], name="uniq_team_member")]

    def __str__(self) -> str:
        return f"{self.username} ({self.role})" if self.role else self.username


class Contract(TimeStamped):
    """An ODCS data contract as imported. Governance derives quality checks from ``document``."""

    external_id = models.CharField(max_length=200, unique=True, help_text="The contract's ODCS `id`.")
    name = models.CharField(max_length=200, blank=True)
    version = models.CharField(max_length=50)
    status = models.CharField(max_length=50, blank=True)
    api_version = models.CharField(max_length=20, blank=True)
    domain = models.ForeignKey(Domain, null=True, blank=True, on_delete=models.SET_NULL, related_name="contracts")
    document = models.JSONField(default=dict)
    document_hash = models.CharField(max_length=64, blank=True, editable=False)

    class Meta:
        ordering = ["name", "external_id"]

    def __str__(self) -> str:
        return f"{self.name or self.external_id} {self.version}"


class OutputPort(TimeStamped):
    """Where consumers read a product's data: a file, a table, an API or a stream."""

    class Kind(models.TextChoices):
        FILE = "file", "File"
        TABLE = "table", "Table"
        API = "api", "API"
        STREAM = "stream", "Stream"

    product = models.ForeignKey(DataProduct, on_delete=models.CASCADE, related_name="output_ports")
    name = models.CharField(max_length=200)
    version = models.CharField(max_length=50)
    description = models.TextField(blank=True)
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.FILE)
    format = models.CharField(max_length=32, blank=True, help_text="csv, parquet, jsonl, table, json …")
    location = models.CharField(max_length=1000, blank=True, help_text="Path, table name or URL.")
    server_type = models.CharField(max_length=32, blank=True, help_text="ODCS server type.")
    server = models.JSONField(default=dict, blank=True, help_text="The ODCS server entry used.")
    contract = models.ForeignKey(
        Contract, null=True, blank=True, on_delete=models.SET_NULL, related_name="output_ports"
    )
    contract_ref = models.CharField(max_length=200, blank=True, help_text="ODPS contractId as written.")
    schema_object = models.CharField(max_length=200, blank=True, help_text="The contract schema object.")
    profile_schedule_hours = models.PositiveIntegerField(default=24)

    class Meta:
        ordering = ["product", "name", "version"]
        constraints = [
            models.UniqueConstraint(fields=["product", "name", "version"], name="uniq_output_port")
        ]

    def __str__(self) -> str:
        return f"{self.product.identifier}:{self.name}@{self.version}"


class LocationClaim(models.Model):
    """A data location held by one product: no other product may declare an output port on it.

    ``key`` is the location normalised by ``catalog.locations.location_key`` (a resolved file
    path, ``duckdb:<file>#schema.table``, ``postgres://host:port/db/schema.table`` …); the unique
    index makes the refusal hold even for two imports racing each other.
    """

    key = models.CharField(max_length=1200, unique=True)
    product = models.ForeignKey(DataProduct, on_delete=models.CASCADE, related_name="location_claims")

    class Meta:
        ordering = ["key"]

    def __str__(self) -> str:
        return f"{self.key} → {self.product_id}"


class InputPort(TimeStamped):
    """A product's declared input: another product's output port, referenced by contract id."""

    product = models.ForeignKey(DataProduct, on_delete=models.CASCADE, related_name="input_ports")
    name = models.CharField(max_length=200)
    version = models.CharField(max_length=50)
    contract_ref = models.CharField(max_length=200)
    source_port = models.ForeignKey(
        OutputPort, null=True, blank=True, on_delete=models.SET_NULL, related_name="consumers",
        help_text="Resolved from contract_ref when a port publishes that contract.",
    )

    class Meta:
        ordering = ["product", "name", "version"]
        constraints = [models.UniqueConstraint(fields=["product", "name", "version"], name="uniq_input_port")]

    def __str__(self) -> str:
        return f"{self.product.identifier} ← {self.name}@{self.version}"


class Column(models.Model):
    """A column of an output port, from its contract's schema object (ODCS ``properties``)."""

    class Classification(models.TextChoices):
        NONE = "", "—"
        PUBLIC = "public", "Public"
        INTERNAL = "internal", "Internal"
        CONFIDENTIAL = "confidential", "Confidential"
        PII = "pii", "PII"
        RESTRICTED = "restricted", "Restricted"

    port = models.ForeignKey(OutputPort, on_delete=models.CASCADE, related_name="columns")
    name = models.CharField(max_length=200)
    position = models.PositiveIntegerField(default=0)
    logical_type = models.CharField(max_length=50, blank=True)
    physical_type = models.CharField(max_length=100, blank=True)
    description = models.TextField(blank=True)
    required = models.BooleanField(default=False)
    unique = models.BooleanField(default=False)
    primary_key = models.BooleanField(default=False)
    classification = models.CharField(max_length=32, blank=True, choices=Classification.choices)
    critical = models.BooleanField(default=False, help_text="ODCS criticalDataElement.")
    observed = models.BooleanField(
        default=False, help_text="Reported by a pipeline (an OpenLineage schema facet), not declared by the contract.")

    class Meta:
        ordering = ["port", "position", "name"]
        constraints = [models.UniqueConstraint(fields=["port", "name"], name="uniq_column")]

    def __str__(self) -> str:
        return f"{self.port}.{self.name}"

    @property
    def is_sensitive(self) -> bool:
        return self.classification in {"pii", "restricted", "confidential"}
