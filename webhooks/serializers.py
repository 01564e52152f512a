"""Serializers of the webhooks API: parse input and render output only.

The delivery log shows status, timing and our own error sentence for each attempt, never what the
receiver answered (`response_excerpt` is for staff, in the admin).
"""

from rest_framework import serializers

from webhooks.models import EVENT_TYPES, WebhookAttempt, WebhookDelivery, WebhookSubscription


class SubscriptionIn(serializers.Serializer):
    url = serializers.CharField(
        max_length=500,
        help_text=(
            "An absolute http(s) URL of at most 500 characters: a valid host (IDNA names allowed) "
            "and port 1–65535, no user name or password, ASCII path and query. Internal "
            "addresses (loopback, private, link-local, metadata, …) are refused here and again, "
            "as resolved, at every delivery; redirects are never followed."
        ),
    )
    events = serializers.ListField(
        child=serializers.ChoiceField(EVENT_TYPES), min_length=1, max_length=len(EVENT_TYPES)
    )
    secret = serializers.CharField(
        max_length=128,
        required=False,
        allow_blank=True,
        default="",
        help_text="16–128 characters; leave out to have one generated (shown once).",
    )


class SubscriptionOut(serializers.ModelSerializer):
    events = serializers.ListField(child=serializers.ChoiceField(EVENT_TYPES))

    class Meta:
        model = WebhookSubscription
        fields = ["id", "url", "events", "is_active", "created_at"]


class SubscriptionCreatedOut(SubscriptionOut):
    secret = serializers.CharField(help_text="Shown only in this response.")

    class Meta(SubscriptionOut.Meta):
        fields = [*SubscriptionOut.Meta.fields, "secret"]


class AttemptOut(serializers.ModelSerializer):
    class Meta:
        model = WebhookAttempt
        fields = ["number", "started_at", "duration_ms", "status_code", "error"]


class DeliveryOut(serializers.ModelSerializer):
    event_id = serializers.UUIDField(source="event.id")
    event_type = serializers.ChoiceField(EVENT_TYPES, source="event.type")
    attempts_log = AttemptOut(source="log", many=True)

    class Meta:
        model = WebhookDelivery
        fields = [
            "id",
            "event_id",
            "event_type",
            "status",
            "attempts",
            "next_attempt_at",
            "last_status_code",
            "created_at",
            "delivered_at",
            "attempts_log",
        ]
