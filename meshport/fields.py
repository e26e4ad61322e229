"""Serializer fields stricter than DRF's about what they read."""
from rest_framework import serializers


class StrictCharField(serializers.CharField):
    """Text only: DRF's CharField turns a number or a boolean into its text (``{"name": 7}`` → "7"), so a
    client's mistaken type passes unseen; this one refuses it (400 naming the field)."""

    default_error_messages = {"not_text": "Expected text, not {kind}."}

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("not_text", kind=type(data).__name__)
        return super().to_internal_value(data)
