"""``{% follow_domain domain %}``: the Follow button on a domain page (catalog's template, our button)."""
from django import template
from django.template.loader import render_to_string

register = template.Library()


@register.simple_tag(takes_context=True)
def follow_domain(context, domain) -> str:
    from notifications.services import follows

    request = context.get("request")
    if request is None or not request.user.is_authenticated:
        return ""
    return render_to_string("notifications/_follow.html", {
        "following": follows(request.user, domain=domain) is not None,
        "action": f"/notifications/follow/domain/{domain.slug}/", "next": request.get_full_path(),
        "label": domain.name}, request=request)
