"""Admin widgets: a product's support channels edited as rows, not as raw JSON."""
from __future__ import annotations

import json

from django import forms
from django.utils.html import format_html, format_html_join

SUPPORT_COLUMNS = (("channel", "Channel"), ("tool", "Tool"), ("scope", "Scope"), ("url", "Address (URL)"))
EMPTY_ROWS = 2  # blank rows offered for new channels


def _rows(value) -> list[dict]:
    if isinstance(value, str):
        try:
            value = json.loads(value or "[]")
        except ValueError:
            return []
    return [row for row in value if isinstance(row, dict)] if isinstance(value, list) else []


class SupportRowsWidget(forms.Widget):
    """One row of inputs per support channel (ODPS ``support``), plus blank rows to add one.

    Keys beyond the columns shown (``description``, ``invitationUrl`` …) ride along unchanged in a
    hidden input per row. Posted without the rows (a script sending the JSON), the JSON is read.
    """

    def render(self, name, value, attrs=None, renderer=None):
        rows = _rows(value) + [{}] * EMPTY_ROWS
        head = format_html_join("", "<th scope=\"col\">{}</th>", ((label,) for _, label in SUPPORT_COLUMNS))
        body = format_html_join("", "<tr>{}</tr>", ((self._row(name, i, row),) for i, row in enumerate(rows)))
        return format_html(
            '<table class="support-rows" id="{}"><caption class="help">One row per channel; empty rows are '
            'ignored, and clearing a row removes it.</caption><thead><tr>{}</tr></thead><tbody>{}</tbody></table>'
            '<input type="hidden" name="{}-rows" value="{}">',
            (attrs or {}).get("id", f"id_{name}"), head, body, name, len(rows),
        )

    def _row(self, name: str, i: int, row: dict):
        cells = format_html_join("", '<td><input type="text" name="{}-{}-{}" value="{}" aria-label="{} {}"></td>', (
            (name, i, key, row.get(key) or "", label, i + 1) for key, label in SUPPORT_COLUMNS))
        extra = {k: v for k, v in row.items() if k not in dict(SUPPORT_COLUMNS)}
        if extra:
            cells = format_html('{}<input type="hidden" name="{}-{}-extra" value="{}">', cells, name, i, json.dumps(extra))
        return cells

    def value_from_datadict(self, data, files, name):
        if f"{name}-rows" not in data:
            return data.get(name)
        rows = []
        for i in range(int(data.get(f"{name}-rows") or 0)):
            row = {key: (data.get(f"{name}-{i}-{key}") or "").strip() for key, _ in SUPPORT_COLUMNS}
            row = {k: v for k, v in row.items() if v}
            if row:
                try:
                    row = {**json.loads(data.get(f"{name}-{i}-extra") or "{}"), **row}
                except ValueError:
                    pass
                rows.append(row)
        return json.dumps(rows)

    def value_omitted_from_data(self, data, files, name):
        return f"{name}-rows" not in data and name not in data


class SupportRowsField(forms.JSONField):
    """The support list, each row needing a channel (as ODPS requires)."""

    widget = SupportRowsWidget

    def validate(self, value):
        super().validate(value)
        if not isinstance(value, list):
            raise forms.ValidationError("Support is a list of channels.")
        for i, row in enumerate(value, start=1):
            if not isinstance(row, dict) or not str(row.get("channel") or "").strip():
                raise forms.ValidationError(f"Row {i}: a channel is required (for example #sales-data).")
