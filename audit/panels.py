"""The product page's "History" panel: the product's versions, newest first (registered by catalog)."""
from __future__ import annotations

from django.template.loader import render_to_string

from audit.access import product_access
from audit.selectors import version_list
from audit.versions import public_diff

PANEL_VERSIONS = 20


def history_panel(request, product) -> str | None:
    """The panel's HTML; column-level details (descriptions naming columns, diffs) only for readers."""
    access = product_access(getattr(request, "user", None), ids=[product.pk])
    if product.pk not in access:
        return None
    reads = access[product.pk]
    versions = list(version_list(product_id=product.pk)[:PANEL_VERSIONS])
    rows = [{"version": v, "text": v.description if reads else v.summary,
             "diff": _diff_rows(v.diff if reads else public_diff(v.diff))} for v in versions]
    return render_to_string("audit/history_panel.html", {"rows": rows, "reads": reads}, request=request)


def _diff_rows(value: dict) -> list[dict]:
    return [{"part": part, "path": path, "value": change} for part in ("added", "changed", "removed")
            for path, change in sorted(value.get(part, {}).items())]
