"""Access pages: ask for access, follow one's own requests and grants, decide others', revoke.

Each page reads through ``governance.access.selectors`` and writes through the same services as
the API, so a page and an API call refuse the same things with the same words; a refusal shows
on the field it concerns and writes nothing.
"""
from __future__ import annotations

import datetime as dt

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from catalog.models import DataProduct
from catalog.permissions import member_domain_ids
from governance.access import policy, services
from governance.access.errors import AccessError
from governance.access.models import AccessRequest
from governance.access.selectors import access_grants_for, access_request_visible, access_requests_for

ALL_PORTS = ""


class RequestForm(forms.Form):
    """What a consumer says when asking: which port, why, for how long, for whom, in which role."""

    port = forms.ChoiceField(label="Output port", required=False)
    purpose = forms.CharField(label="Purpose", widget=forms.Textarea(attrs={"rows": 4}),
                              help_text="What you will do with the data; the owners read it before deciding.")
    duration_days = forms.IntegerField(label="For how many days", min_value=1)
    consumer_product = forms.ChoiceField(label="For", required=False)
    role = forms.ChoiceField(label="Role", required=False)

    def __init__(self, *args, product: DataProduct, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.product = product
        ports = list(product.output_ports.order_by("name"))
        self.ports = {p.name: p for p in ports}
        self.fields["port"].choices = [(ALL_PORTS, "All its ports"), *((p.name, p.name) for p in ports)]
        self.fields["duration_days"].max_value = settings.MESHPORT_ACCESS_MAX_DAYS
        self.fields["duration_days"].initial = settings.MESHPORT_ACCESS_DEFAULT_DAYS
        self.fields["duration_days"].help_text = f"At most {settings.MESHPORT_ACCESS_MAX_DAYS}."
        consumers = (DataProduct.objects.filter(domain_id__in=member_domain_ids(user)).exclude(pk=product.pk)
                     .order_by("identifier").values_list("identifier", "name"))
        self.consumers = {identifier for identifier, _ in consumers}
        self.fields["consumer_product"].choices = [
            ("", "Me alone"), *((identifier, f"{name} ({identifier}), its team shares it") for identifier, name in consumers)]
        roles = policy.role_names(policy.port_contracts(product, None))
        self.fields["role"].choices = [("", "No particular role"), *((r, r) for r in roles)]
        self.has_roles = bool(roles)

    def service_arguments(self) -> dict:
        data = self.cleaned_data
        consumer = data.get("consumer_product")
        return {
            "port": self.ports.get(data.get("port") or ""),
            "purpose": data["purpose"],
            "duration_days": data["duration_days"],
            "consumer_product": DataProduct.objects.get(identifier=consumer) if consumer else None,
            "role": data.get("role") or "",
        }


class DecisionForm(forms.Form):
    valid_until = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))


def _field_error(form: forms.Form, error: AccessError) -> None:
    """Show the service's refusal on the field it names (or above the form)."""
    form.add_error(error.field if error.field in form.fields else None, error.message)


@login_required
def request_access(request, identifier: str):
    product = get_object_or_404(DataProduct.objects.known_to(request.user).select_related("domain"),
                                identifier=identifier)
    initial = {"port": request.GET.get("port", ALL_PORTS)}
    form = RequestForm(request.POST or None, initial=initial, product=product, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            created = services.access_request_create(requester=request.user, product=product, **form.service_arguments())
        except AccessError as error:
            _field_error(form, error)
        else:
            if created.state == AccessRequest.State.APPROVED:
                messages.success(request, f"Access to {product.name} granted: it is open to you. Your purpose is recorded.")
            else:
                messages.success(request, f"Request sent to the {product.domain.name} team. You will see their decision here.")
            return redirect(reverse("access:mine") + f"#request-{created.pk}")
    return render(request, "governance/access/request.html", {"product": product, "form": form})


@login_required
def my_access(request):
    requests = access_requests_for(user=request.user, mine=True).select_related("product", "port", "consumer_product")
    grants = access_grants_for(user=request.user).filter(grantee=request.user)
    return render(request, "governance/access/mine.html", {
        "requests": requests[:200], "grants": grants[:200], "soon": timezone.now() + dt.timedelta(
            days=settings.MESHPORT_ACCESS_EXPIRY_WARNING_DAYS),
    })


@login_required
def to_decide(request):
    pending = (access_requests_for(user=request.user, to_decide=True)
               .select_related("product__domain", "port", "consumer_product", "requester"))
    decided = (access_requests_for(user=request.user).exclude(requester=request.user)
               .exclude(state=AccessRequest.State.PENDING).select_related("product", "requester", "decided_by"))
    today = timezone.localdate()
    pending = list(pending[:200])
    for asked in pending:  # the date field starts at the end the requester asked for
        asked.asked_until = today + dt.timedelta(days=asked.duration_days)
    return render(request, "governance/access/decide.html", {
        "pending": pending, "decided": decided[:20], "today": today,
    })


def _visible_request(request, pk: int) -> AccessRequest:
    try:
        return access_request_visible(user=request.user, pk=pk)
    except AccessRequest.DoesNotExist:
        raise Http404("No such access request.") from None


def _end_of(day: dt.date | None) -> dt.datetime | None:
    """A date chosen on the page as the last day of access: the grant ends as that day does (UTC)."""
    if day is None:
        return None
    return dt.datetime.combine(day, dt.time.max, tzinfo=dt.UTC)


def _act(request, pk: int, action, success: str, back: str):
    target = _visible_request(request, pk)
    form = DecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "The date is not a date: nothing was changed.")
        return redirect(back)
    try:
        action(target, form.cleaned_data)
    except AccessError as error:
        messages.error(request, f"{error.message} Nothing was changed.")
    else:
        messages.success(request, success.format(product=target.product.name, requester=target.requester))
    return redirect(back)


@require_POST
@login_required
def approve(request, pk: int):
    return _act(request, pk, lambda r, data: services.access_request_approve(
        request=r, actor=request.user, valid_until=_end_of(data["valid_until"]), note=data["note"]),
        "Approved: {requester} may now read {product}.", reverse("access:decide"))


@require_POST
@login_required
def deny(request, pk: int):
    return _act(request, pk, lambda r, data: services.access_request_deny(request=r, actor=request.user, note=data["note"]),
                "Denied; {requester} sees your note.", reverse("access:decide"))


@require_POST
@login_required
def cancel(request, pk: int):
    return _act(request, pk, lambda r, data: services.access_request_cancel(request=r, actor=request.user),
                "Request for {product} withdrawn.", reverse("access:mine"))


@require_POST
@login_required
def revoke(request, pk: int):
    grant = get_object_or_404(access_grants_for(user=request.user), pk=pk)
    back = request.POST.get("next") or reverse("access:mine")
    if not back.startswith("/") or back.startswith("//"):
        back = reverse("access:mine")
    try:
        services.access_grant_revoke(grant=grant, actor=request.user, note=request.POST.get("note", ""))
    except AccessError as error:
        messages.error(request, f"{error.message} Nothing was changed.")
    else:
        messages.success(request, f"Access of {grant.grantee} to {grant.product.name} revoked.")
    return redirect(back)

