"""Serializer fields stricter than DRF's about what they read."""
from rest_framework import serializers
from rest_framework.utils import html


class _GivenEmptyIsInvalid:
    """DRF reads a query or form parameter given empty (``?limit=``) as absent when the field is optional,
    so the default is used and the client's mistake passes unseen; here it is validated, and refused."""

    def get_value(self, dictionary):
        if html.is_html_input(dictionary) and self.field_name in dictionary and dictionary.get(self.field_name) == "":
            return ""
        return super().get_value(dictionary)


class StrictCharField(serializers.CharField):
    """Text only: DRF's CharField turns a number or a boolean into its text (``{"name": 7}`` → "7"), so a
    client's mistaken type passes unseen; this one refuses it (400 naming the field)."""

    default_error_messages = {"not_text": "Expected text, not {kind}."}

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("not_text", kind=type(data).__name__)
        return super().to_internal_value(data)


class QueryIntegerField(_GivenEmptyIsInvalid, serializers.IntegerField):
    pass


class QueryDateTimeField(_GivenEmptyIsInvalid, serializers.DateTimeField):
    pass
