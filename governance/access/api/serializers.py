"""Input and output shapes of the access API."""
from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from governance.access.models import AccessEvent, AccessGrant, AccessRequest

# --- input -----------------------------------------------------------------------------------------


class AccessRequestCreateSerializer(serializers.Serializer):
    port = serializers.CharField(required=False, allow_blank=True, max_length=260,
                                 help_text="An output port's name, or name@version; left out: all the product's ports.")
    purpose = serializers.CharField(required=False, allow_blank=True, default="", trim_whitespace=False,
                                    help_text="What the data is for; at least 10 characters. Required.")
    duration_days = serializers.IntegerField(required=False, allow_null=True,
                                             help_text="How long the grant should last (1 to MESHPORT_ACCESS_MAX_DAYS).")
    consumer_product = serializers.CharField(required=False, allow_blank=True, max_length=200,
                                             help_text="Identifier of a product of your domain the data is for.")
    role = serializers.CharField(required=False, allow_blank=True, default="", max_length=200,
                                 help_text="One of the port contract's ODCS roles, when it declares roles.")


class ApproveSerializer(serializers.Serializer):
    valid_until = serializers.DateTimeField(required=False, allow_null=True,
                                            help_text="When the grant ends; left out: after the days asked for.")
    note = serializers.CharField(required=False, allow_blank=True, default="", trim_whitespace=False)


class NoteSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="", trim_whitespace=False)


class RequiredNoteSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="", trim_whitespace=False,
                                 help_text="Why; required.")


class AccessRequestFilterSerializer(serializers.Serializer):
    mine = serializers.BooleanField(required=False, default=False, help_text="Only requests you made.")
    to_decide = serializers.BooleanField(required=False, default=False, help_text="Pending requests you may decide.")
    state = serializers.ChoiceField(choices=AccessRequest.State.choices, required=False, allow_blank=True, default="")


class AccessGrantFilterSerializer(serializers.Serializer):
    product = serializers.CharField(required=False, allow_blank=True, default="", help_text="A product identifier.")
    grantee = serializers.CharField(required=False, allow_blank=True, default="", help_text="A username.")
    state = serializers.ChoiceField(choices=AccessGrant.State.choices, required=False, allow_blank=True, default="")


# --- output ----------------------------------------------------------------------------------------


class AccessEventSerializer(serializers.ModelSerializer):
    actor = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True,
                                         help_text="Who did it; null when Meshport did (an instant grant, expiry).")

    class Meta:
        model = AccessEvent
        fields = ["kind", "at", "actor", "note", "grant"]


class AccessGrantSerializer(serializers.ModelSerializer):
    product = serializers.CharField(source="product.identifier", read_only=True)
    port = serializers.SerializerMethodField(help_text="name@version; null: all the product's ports.")
    grantee = serializers.SlugRelatedField(slug_field="username", read_only=True)
    consumer_product = serializers.SlugRelatedField(slug_field="identifier", read_only=True, allow_null=True)
    revoked_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)

    class Meta:
        model = AccessGrant
        fields = ["id", "request", "product", "port", "grantee", "consumer_product", "role", "state",
                  "valid_from", "valid_until", "ended_at", "revoked_by", "revoke_note"]

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_port(self, obj):
        return port_label(obj.port)


class AccessRequestSerializer(serializers.ModelSerializer):
    requester = serializers.SlugRelatedField(slug_field="username", read_only=True)
    product = serializers.CharField(source="product.identifier", read_only=True)
    port = serializers.SerializerMethodField(help_text="name@version; null: all the product's ports.")
    consumer_product = serializers.SlugRelatedField(slug_field="identifier", read_only=True, allow_null=True)
    decided_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)
    grants = AccessGrantSerializer(many=True, read_only=True, help_text="The grant an approval created.")
    history = AccessEventSerializer(many=True, read_only=True, help_text="Every step, oldest first.")

    class Meta:
        model = AccessRequest
        fields = ["id", "state", "requester", "product", "port", "consumer_product", "purpose", "duration_days",
                  "role", "created", "decided_by", "decided_at", "decision_note", "grants", "history"]

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_port(self, obj):
        return port_label(obj.port)


def port_label(port) -> str | None:
    return None if port is None else f"{port.name}@{port.version}"
