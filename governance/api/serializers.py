"""Output shapes of the quality API."""
from rest_framework import serializers


class CheckSerializer(serializers.Serializer):
    name = serializers.CharField()
    dimension = serializers.CharField()
    severity = serializers.CharField()
    passed = serializers.BooleanField(allow_null=True)
    measured = serializers.FloatField(
        allow_null=True,
        help_text="What the check measured. Null when it was not evaluated, and when the check reads personal "
                  "or restricted data (a column classified pii/restricted/confidential or flagged by profiling, or "
                  "any SQL rule on a port with such a column) and the caller is not on the product's domain team "
                  "or a steward.",
    )
    expected = serializers.JSONField(help_text="{operator: value} as in the contract.")
    message = serializers.CharField(
        help_text="The result in words. Never quotes the data; when the measured value is withheld it says so.")


class HistorySerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    score = serializers.FloatField()


class QualitySerializer(serializers.Serializer):
    score = serializers.FloatField(allow_null=True)
    dimensions = serializers.DictField(child=serializers.FloatField())
    checks = CheckSerializer(many=True)
    history = HistorySerializer(many=True)


class QualityRunQueuedSerializer(serializers.Serializer):
    status = serializers.CharField()
    product = serializers.CharField()
