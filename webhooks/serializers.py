"""Serializers of the webhooks API: parse input and render output only.

The delivery log shows status, timing and our own error sentence for each attempt, never what the
receiver answered (`response_excerpt` is for staff, in the admin).
"""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from webhooks.models import EVENT_TYPES, WebhookAttempt, WebhookDelivery, WebhookSubscription

_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,40}[A-Za-z0-9])?"
_LAST_LABEL = r"[A-Za-z](?:[A-Za-z0-9-]{0,40}[A-Za-z0-9])?"  # never a number: no IPv4 literal
_PORT = r"(?::(?:[1-9][0-9]{0,3}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5]))?"
# The shape `webhooks.addresses.url_parse` accepts, for a DNS name of two labels or more in its
# ASCII form (the server also reads IDNA names; `localhost` and literal addresses, which the
# address policy refuses, do not match).
URL_PATTERN = (
    rf"^[Hh][Tt][Tt][Pp][Ss]?://(?:{_LABEL}\.){{1,4}}{_LAST_LABEL}\.?{_PORT}(?:[/?][!-~]*)?$"
)
# Empty (one is generated), or 16 to 128 characters once surrounding whitespace is trimmed.
SECRET_PATTERN = r"^\s*$|^\s*[^\s\x00][^\x00]{14,126}[^\s\x00]\s*$"


@extend_schema_field({"type": "string", "maxLength": 500, "pattern": URL_PATTERN})
class WebhookUrlField(serializers.CharField):
    """Not trimmed: a URL with surrounding spaces is refused, as the pattern says."""

    def __init__(self, **kwargs):
        super().__init__(max_length=500, trim_whitespace=False, **kwargs)


@extend_schema_field({"type": "string", "maxLength": 128, "pattern": SECRET_PATTERN})
class WebhookSecretField(serializers.CharField):
    pass


class SubscriptionIn(serializers.Serializer):
    url = WebhookUrlField(
        help_text=(
            "An absolute http(s) URL of at most 500 characters: a valid host (IDNA names allowed) "
            "and port 1–65535, no user name or password, ASCII path and query. Internal "
            "addresses (loopback, private, link-local, metadata, …) are refused here and again, "
            "as resolved, at every delivery; redirects are never followed. The pattern is the "
            "shape of a DNS name in its ASCII (punycode) form; a Unicode (IDNA) name is read "
            "too. A refused URL is a 400 naming `url`, with a sentence saying why."
        ),
    )
    events = serializers.ListField(
        child=serializers.ChoiceField(EVENT_TYPES), min_length=1, max_length=len(EVENT_TYPES)
    )
    secret = WebhookSecretField(
        max_length=128,
        required=False,
        allow_blank=True,
        default="",
        help_text="16–128 characters; leave out to have one generated (shown once).",
    )


@extend_schema_field({"type": "string", "pattern": URL_PATTERN})
class WebhookUrlOut(serializers.CharField):
    """The URL as subscribed: what `WebhookUrlField` accepted (not always an RFC 3986 `uri`)."""


class SubscriptionOut(serializers.ModelSerializer):
    url = WebhookUrlOut()
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
