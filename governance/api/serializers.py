"""Output shapes of the quality API."""
from rest_framework import serializers


class CheckSerializer(serializers.Serializer):
    name = serializers.CharField()
    dimension = serializers.CharField()
    severity = serializers.CharField()
    passed = serializers.BooleanField(allow_null=True)
    measured = serializers.FloatField(allow_null=True)
    expected = serializers.JSONField()
    message = serializers.CharField()


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
