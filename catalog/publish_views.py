"""The publish page: type, upload, or start from a documented template or a copy of a product.

A user who may publish nowhere is told why, and whom to ask, instead of being shown a form.
"""
from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from catalog import selectors
from catalog.descriptors.export import descriptor_export
from catalog.descriptors.services import descriptor_text_import
from catalog.descriptors.starters import NEW_LOCATION, copy_text, template_text
from catalog.forms import PublishForm
from catalog.models import DataProduct
from catalog.permissions import can_write_domain, is_steward
from standards.errors import DescriptorError, DescriptorPermissionError

# How the publish page words each import outcome.
OUTCOME_WORDS = {"created": "created", "updated": "updated", "unchanged": "no changes"}
COPY_CHOICES = 300  # products offered to copy from (a steward may write every domain)


@login_required
@require_http_methods(["GET", "POST"])
def publish(request):
    """Publish a descriptor typed in or uploaded.

    ``?product=<identifier>`` edits that product's export; ``?start=template`` starts from the
    documented example; ``?from=<identifier>`` from a copy of a product (new ids, locations to choose).
    """
    if request.method == "POST":
        return _publish_post(request)
    editing = _edited_product(request, request.GET.get("product"))
    copied = None if editing else _edited_product(request, request.GET.get("from"))
    if editing:
        text = descriptor_export(editing)
    elif copied:
        text = copy_text(copied)
    elif request.GET.get("start") == "template":
        text = template_text(domain=selectors.writable_domains(user=request.user).order_by("name").first(),
                             username=request.user.get_username())
    else:
        text = ""
    return _publish_page(request, PublishForm(initial={"descriptor": text}), editing=editing, copied=copied,
                         new_location=NEW_LOCATION)


def _publish_post(request):
    form = PublishForm(request.POST, request.FILES)
    if not form.is_valid():
        return _publish_page(request, form, status=400)
    text, dry_run = form.cleaned_data["text"], "validate" in request.POST
    retyped = PublishForm(initial={"descriptor": text})  # an uploaded file's text, to fix in place
    try:
        result = descriptor_text_import(text=text, name=form.cleaned_data["name"], actor=request.user, dry_run=dry_run)
    except DescriptorError as exc:
        return _publish_page(request, retyped, errors=exc.errors, status=400)
    except DescriptorPermissionError as exc:
        return _publish_page(request, retyped, denied=str(exc), status=403)
    product = result.products[0]
    if dry_run:
        return _publish_page(request, retyped, checked=result.would_do(), warnings=result.warnings)
    messages.success(request, f"Published {product.identifier}: {OUTCOME_WORDS[result.outcome(product)]}")
    for warning in result.warnings:  # versions upgraded, contracts pending, other products rewritten
        messages.warning(request, f"{warning['path']}: {warning['message']}" if warning.get("path") else warning["message"])
    return redirect(product)


def _edited_product(request, identifier: str | None) -> DataProduct | None:
    if not identifier:
        return None
    try:
        product = selectors.product_detail(user=request.user, identifier=identifier)
    except DataProduct.DoesNotExist as exc:
        raise Http404("No such data product, or you may not see it.") from exc
    if not can_write_domain(request.user, product.domain):
        raise PermissionDenied("Only the product's domain team and stewards may edit or copy its descriptor.")
    return product


def _publish_page(request, form: PublishForm, *, status: int = 200, **outcome):
    domains = selectors.writable_domains(user=request.user).order_by("name")
    may_publish = is_steward(request.user) or domains.exists()
    context = {
        "form": form,
        "domains": domains,
        "may_publish": may_publish,
        "copyable": (DataProduct.objects.filter(domain__in=domains).order_by("identifier")
                     .values_list("identifier", flat=True)[:COPY_CHOICES]) if may_publish else [],
        **outcome,
    }
    return render(request, "catalog/publish.html", context, status=status)
