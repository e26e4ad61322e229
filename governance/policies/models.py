"""Policies as code: the policy, its exceptions, the latest evaluation per product, a daily summary.

Evaluations are derived (``policies_evaluate`` rebuilds them): one row per (policy, product), the
latest; trends come from ``ComplianceDaily``, one row per domain (and one for the whole mesh) a day.
"""
from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from catalog.models import DataProduct, Domain


class Policy(models.Model):
    """A rule every product in its scope should meet, written in JSON Logic over the policy context."""

    class Scope(models.TextChoices):
        GLOBAL = "global", "Global"
        DOMAIN = "domain", "Domain"

    class Severity(models.TextChoices):
        INFO = "info", "Info"
        WARNING = "warning", "Warning"
        BLOCKING = "blocking", "Blocking"

    class AppliesTo(models.TextChoices):
        PRODUCT = "product", "Product"
        OUTPUT_PORT = "output_port", "Output port"
        COLUMN = "column", "Column"
        CONTRACT = "contract", "Contract"

    key = models.SlugField(max_length=100, unique=True)
    title = models.CharField(max_length=200)
    rationale = models.TextField(blank=True, help_text="Markdown: why the rule exists.")
    scope = models.CharField(max_length=8, choices=Scope.choices, default=Scope.GLOBAL, db_index=True)
    domain = models.ForeignKey(Domain, null=True, blank=True, on_delete=models.CASCADE, related_name="policies")
    severity = models.CharField(max_length=8, choices=Severity.choices, default=Severity.WARNING)
    applies_to = models.CharField(max_length=16, choices=AppliesTo.choices, default=AppliesTo.PRODUCT)
    selector = models.JSONField(null=True, blank=True, help_text="JSON Logic: which subjects the rule applies to.")
    rule = models.JSONField(help_text="JSON Logic over the policy context: true means the subject complies.")
    message = models.CharField(max_length=300, blank=True,
                               help_text="What a failure says (for ports, columns, contracts: what the failing ones lack).")
    path = models.CharField(max_length=200, blank=True,
                            help_text="Where in the descriptor (or contract property) the fix goes, e.g. description.purpose.")
    enabled = models.BooleanField(default=True, db_index=True)
    waivable = models.BooleanField(default=False, help_text="Stewards may grant exceptions for a product or domain.")
    version = models.PositiveIntegerField(default=1, editable=False)
    origin = models.CharField(max_length=300, blank=True, editable=False,
                              help_text="The policy folder it was applied from (policies_apply); empty if edited here.")
    updated = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

    class Meta:
        ordering = ["scope", "domain__slug", "key"]
        verbose_name_plural = "policies"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(scope="global", domain__isnull=True) | models.Q(scope="domain", domain__isnull=False),
                name="policy_domain_iff_domain_scope"),
        ]

    def __str__(self) -> str:
        return self.key


class PolicyException(models.Model):
    """A steward's waiver of a waivable policy for one product or a whole domain, until it expires."""

    policy = models.ForeignKey(Policy, on_delete=models.CASCADE, related_name="exceptions")
    product = models.ForeignKey(DataProduct, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    domain = models.ForeignKey(Domain, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    justification = models.TextField()
    expires = models.DateTimeField(help_text="The exception lapses by itself at this moment.")
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-expires", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(product__isnull=False, domain__isnull=True)
                | models.Q(product__isnull=True, domain__isnull=False),
                name="policy_exception_product_xor_domain"),
        ]

    def __str__(self) -> str:
        target = self.product.identifier if self.product_id else f"domain {self.domain.slug}"
        return f"{self.policy.key} waived for {target} until {self.expires:%Y-%m-%d}"

    def active(self, now=None) -> bool:
        return self.expires > (now or timezone.now())


class PolicyEvaluation(models.Model):
    """The latest result of one policy on one product (its ports, columns or contracts)."""

    class Result(models.TextChoices):
        PASSED = "passed", "Passed"
        FAILED = "failed", "Failed"
        NOT_APPLICABLE = "not_applicable", "Not applicable"
        WAIVED = "waived", "Waived"

    policy = models.ForeignKey(Policy, on_delete=models.CASCADE, related_name="evaluations")
    product = models.ForeignKey(DataProduct, on_delete=models.CASCADE, related_name="policy_evaluations")
    result = models.CharField(max_length=16, choices=Result.choices, db_index=True)
    values = models.JSONField(default=dict, blank=True, help_text="The context values that decided it.")
    message = models.TextField(blank=True)
    failures = models.JSONField(default=list, blank=True, help_text="[{subject, path}] of each failing subject.")
    policy_version = models.PositiveIntegerField()
    exception = models.ForeignKey(PolicyException, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    evaluated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["policy__key"]
        constraints = [models.UniqueConstraint(fields=["policy", "product"], name="uniq_policy_evaluation")]

    def __str__(self) -> str:
        return f"{self.policy.key} on {self.product.identifier}: {self.result}"


class ComplianceDaily(models.Model):
    """A day's compliance of a domain (or, with no domain, the whole mesh), for the trend charts."""

    day = models.DateField(db_index=True)
    domain = models.ForeignKey(Domain, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    passed = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    waived = models.PositiveIntegerField(default=0)
    not_applicable = models.PositiveIntegerField(default=0)
    score = models.FloatField(null=True, help_text="Compliance in percent, weighted by severity.")

    class Meta:
        ordering = ["day"]
        constraints = [
            models.UniqueConstraint(fields=["day", "domain"], name="uniq_compliance_day_domain"),
            models.UniqueConstraint(fields=["day"], condition=models.Q(domain__isnull=True),
                                    name="uniq_compliance_day_mesh"),
        ]

    def __str__(self) -> str:
        return f"{self.domain.slug if self.domain_id else 'mesh'} {self.day}: {self.score}"
