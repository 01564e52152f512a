"""Read-only admin for subscriptions and the delivery log (superusers manage subscriptions).

Staff see here what the API never shows a subscriber: the receiver's answer (`response_excerpt`)
of each attempt, and an event's full payload beside its public view and audience. A URL saved
here follows the same rules as one subscribed over the API (`webhooks.addresses`).
"""

from django import forms
from django.contrib import admin

from webhooks import addresses
from webhooks.models import (
    OutboxEvent,
    OutboxMail,
    WebhookAttempt,
    WebhookDelivery,
    WebhookSubscription,
)


class SubscriptionForm(forms.ModelForm):
    url = forms.CharField(max_length=500)  # our rules only, not Django's URLValidator as well

    class Meta:
        model = WebhookSubscription
        fields = ["owner", "url", "events", "secret", "is_active"]

    def clean_url(self) -> str:
        url = self.cleaned_data["url"]
        refusal = addresses.url_refusal(url)
        if refusal:
            raise forms.ValidationError(refusal)
        return url


@admin.register(WebhookSubscription)
class WebhookSubscriptionAdmin(admin.ModelAdmin):
    form = SubscriptionForm
    list_display = ("url", "owner", "is_active", "created_at")
    list_filter = ("is_active",)
    list_select_related = ("owner",)
    readonly_fields = ("created_at",)


class AttemptInline(admin.TabularInline):
    model = WebhookAttempt
    extra = 0
    can_delete = False
    readonly_fields = (
        "number",
        "started_at",
        "duration_ms",
        "status_code",
        "error",
        "response_excerpt",
    )

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = ("event", "subscription", "status", "attempts", "last_status_code", "created_at")
    list_filter = ("status",)
    list_select_related = ("event", "subscription")
    readonly_fields = (
        "event",
        "subscription",
        "status",
        "attempts",
        "next_attempt_at",
        "last_status_code",
        "created_at",
        "delivered_at",
    )
    inlines = [AttemptInline]


@admin.register(OutboxEvent)
class OutboxEventAdmin(admin.ModelAdmin):
    list_display = ("occurred_at", "type", "dispatched_at")
    list_filter = ("type",)
    readonly_fields = (
        "id",
        "type",
        "payload",
        "public",
        "audience",
        "occurred_at",
        "dispatched_at",
    )

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(OutboxMail)
class OutboxMailAdmin(admin.ModelAdmin):
    """Staff emails waiting, sent or failed: read-only, the outbox task owns them."""

    list_display = ("created_at", "subject", "attempts", "sent_at", "failed_at")
    list_filter = (
        ("sent_at", admin.EmptyFieldListFilter),
        ("failed_at", admin.EmptyFieldListFilter),
    )
    search_fields = ("subject",)
    readonly_fields = (
        "to",
        "subject",
        "body",
        "created_at",
        "claimed_until",
        "attempts",
        "sent_at",
        "failed_at",
        "last_error",
    )

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
