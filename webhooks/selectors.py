"""Reads for webhooks: a subscriber's subscriptions and their delivery log.

A deleted (deactivated) subscription is not among them: it is gone from the lists and its log
answers 404 to its owner (staff still see both in the admin).
"""

from django.db.models import Prefetch, QuerySet

from webhooks.models import WebhookAttempt, WebhookDelivery, WebhookSubscription


def webhook_subscriptions_of(*, owner) -> QuerySet[WebhookSubscription]:
    """The owner's active subscriptions."""
    return WebhookSubscription.objects.filter(owner=owner, is_active=True)


def webhook_deliveries(*, subscription: WebhookSubscription) -> QuerySet[WebhookDelivery]:
    """Newest first, each with its event and every attempt (three queries per page)."""
    return (
        WebhookDelivery.objects.filter(subscription=subscription)
        .select_related("event")
        .prefetch_related(Prefetch("log", queryset=WebhookAttempt.objects.order_by("number")))
    )
