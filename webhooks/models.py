"""Outbox events, subscriptions, deliveries (one per event × subscription) and their attempts.

A subscription that was deleted through the API stays as a row with `is_active=False` (its log is
kept for staff); its pending deliveries are `cancelled` and never retried.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

EVENT_TYPES = (
    "complaint.created",
    "complaint.transitioned",
    "complaint.merged",
    "deadline.warned",
    "deadline.breached",
    "compensation.requested",
    "compensation.approved",
    "compensation.rejected",
)


class OutboxEvent(models.Model):
    """Written in the same transaction as the change it reports; fanned out later."""

    id = models.UUIDField(_("id"), primary_key=True, default=uuid.uuid4, editable=False)
    type = models.CharField(_("type"), max_length=64)
    payload = models.JSONField(_("payload"), default=dict)
    # What an integration may see of this event (the customer-safe view), or null: staff only.
    public = models.JSONField(_("public payload"), null=True, blank=True)
    # Ids of the integration users the event concerns (the complaint's filer, its customer's
    # owner); only their subscriptions receive `public`.
    audience = models.JSONField(_("audience"), default=list, blank=True)
    occurred_at = models.DateTimeField(_("occurred at"), default=timezone.now)
    dispatched_at = models.DateTimeField(_("dispatched at"), null=True, blank=True)

    class Meta:
        ordering = ["occurred_at"]
        verbose_name = _("outbox event")
        verbose_name_plural = _("outbox events")
        indexes = [
            models.Index(
                fields=["occurred_at"],
                name="outbox_undispatched",
                condition=models.Q(dispatched_at__isnull=True),
            )
        ]

    def __str__(self) -> str:
        return f"{self.type} {self.id}"


class OutboxMail(models.Model):
    """A staff email written in the transaction of the change it reports; sent after commit."""

    to = models.JSONField(_("to"), default=list)
    subject = models.CharField(_("subject"), max_length=255)
    body = models.TextField(_("body"))
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    claimed_until = models.DateTimeField(_("claimed until"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    failed_at = models.DateTimeField(_("failed at"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)

    class Meta:
        ordering = ["created_at"]
        verbose_name = _("outgoing staff email")
        verbose_name_plural = _("outgoing staff emails")
        indexes = [
            models.Index(
                fields=["id"],
                name="outbox_mail_unsent",
                condition=models.Q(sent_at__isnull=True, failed_at__isnull=True),
            ),
            # /metrics counts failed staff mail on every scrape (ops.selectors).
            models.Index(
                fields=["id"],
                name="outbox_mail_failed",
                condition=models.Q(failed_at__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return self.subject


class WebhookSubscription(models.Model):
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="webhook_subscriptions",
        verbose_name=_("owner"),
    )
    url = models.URLField(_("URL"), max_length=500)
    events = models.JSONField(_("events"), default=list)
    secret = models.CharField(_("secret"), max_length=128)
    is_active = models.BooleanField(_("is active"), default=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        ordering = ["id"]
        verbose_name = _("webhook subscription")
        verbose_name_plural = _("webhook subscriptions")

    def __str__(self) -> str:
        return f"{self.url} ({', '.join(self.events)})"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", pgettext_lazy("webhook delivery", "Pending")
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed (gave up)")
    CANCELLED = "cancelled", pgettext_lazy("webhook delivery", "Cancelled (unsubscribed)")


class WebhookDelivery(models.Model):
    event = models.ForeignKey(
        OutboxEvent, on_delete=models.CASCADE, related_name="deliveries", verbose_name=_("event")
    )
    subscription = models.ForeignKey(
        WebhookSubscription,
        on_delete=models.CASCADE,
        related_name="deliveries",
        verbose_name=_("subscription"),
    )
    status = models.CharField(
        _("status"), max_length=16, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"), default=timezone.now)
    last_status_code = models.PositiveSmallIntegerField(
        _("last status code"), null=True, blank=True
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        constraints = [
            models.UniqueConstraint(fields=["event", "subscription"], name="one_delivery_per_sub")
        ]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                name="delivery_due",
                condition=models.Q(status="pending"),
            ),
            # /metrics counts failed deliveries on every scrape (ops.selectors).
            models.Index(
                fields=["id"], name="delivery_failed", condition=models.Q(status="failed")
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event.type} → {self.subscription.url}: {self.status}"


class WebhookAttempt(models.Model):
    """The delivery log: every HTTP attempt, successful or not."""

    delivery = models.ForeignKey(
        WebhookDelivery, on_delete=models.CASCADE, related_name="log", verbose_name=_("delivery")
    )
    number = models.PositiveSmallIntegerField(_("number"))
    started_at = models.DateTimeField(_("started at"))
    duration_ms = models.PositiveIntegerField(_("duration (ms)"))
    status_code = models.PositiveSmallIntegerField(_("status code"), null=True, blank=True)
    error = models.CharField(_("error"), max_length=500, blank=True)
    response_excerpt = models.CharField(_("response excerpt"), max_length=500, blank=True)

    class Meta:
        ordering = ["delivery_id", "number"]
        verbose_name = _("delivery attempt")
        verbose_name_plural = _("delivery attempts")
        constraints = [
            models.UniqueConstraint(fields=["delivery", "number"], name="one_attempt_number")
        ]

    def __str__(self) -> str:
        return f"attempt {self.number}: {self.status_code or self.error}"
