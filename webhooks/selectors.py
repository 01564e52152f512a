"""Reads for webhooks: a subscriber's subscriptions and their delivery log."""

from django.db.models import Prefetch, QuerySet

from webhooks.models import WebhookAttempt, WebhookDelivery, WebhookSubscription


def webhook_subscriptions_of(*, owner) -> QuerySet[WebhookSubscription]:
    return WebhookSubscription.objects.filter(owner=owner)


def webhook_deliveries(*, subscription: WebhookSubscription) -> QuerySet[WebhookDelivery]:
    """Newest first, each with its event and every attempt (three queries per page)."""
    return (
        WebhookDelivery.objects.filter(subscription=subscription)
        .select_related("event")
        .prefetch_related(Prefetch("log", queryset=WebhookAttempt.objects.order_by("number")))
    )
