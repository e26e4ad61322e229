"""Query filters that refuse what they cannot read (400 naming the parameter) instead of ignoring it."""
from __future__ import annotations

import django_filters
from django import forms

TRUE, FALSE = ("true", "1"), ("false", "0")


class StrictBooleanField(forms.NullBooleanField):
    """``true``/``1`` or ``false``/``0``; absent or empty: no filter; anything else is invalid (django's
    own boolean widgets read an unknown value as "no filter", so ``?has_pii=yes`` would list everything)."""

    widget = forms.TextInput

    def to_python(self, value):
        if value is None or value == "" or isinstance(value, bool):
            return None if value == "" else value
        text = str(value).strip().lower()
        if text in TRUE:
            return True
        if text in FALSE:
            return False
        raise forms.ValidationError("Use true or false.", code="invalid")

    def validate(self, value):
        return None


class StrictBooleanFilter(django_filters.BooleanFilter):
    field_class = StrictBooleanField
