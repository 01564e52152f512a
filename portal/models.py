"""The customer link and what the customer answered through it (or an integration for them).

- `CustomerLink`: at most one active link per complaint (a partial unique constraint); a new one
  revokes the old. The URL's token is the link's random `key` (32 random bytes) signed with the
  site's SECRET_KEY (`portal.tokens`): the key alone, read from a database copy, opens nothing,
  and the URL can be rebuilt for every mail and for the staff detail without keeping a secret
  we could not show again.
- `RemedyResponse`: the customer's written answer to one remedy (the TransitionLog row of the
  step that remedied it): accepted or declined, with their words and the time. One per remedy.
- `HandlingRating`: how the customer felt treated, once per complaint.
Rows are append-only in practice: the services create them and never change them, except a
link's revocation. This module imports complaints' models only.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from complaints.models import Complaint, TransitionLog


class CustomerLink(models.Model):
    complaint = models.ForeignKey(
        Complaint,
        on_delete=models.CASCADE,
        related_name="customer_links",
        verbose_name=_("complaint"),
    )
    key = models.CharField(_("key"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("revoked by"),
    )

    class Meta:
        verbose_name = _("customer link")
        verbose_name_plural = _("customer links")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["complaint"],
                condition=models.Q(revoked_at__isnull=True),
                name="customer_link_one_active",
            )
        ]

    def __str__(self) -> str:
        return f"{self.complaint_id} ({'revoked' if self.revoked_at else 'active'})"


class Decision(models.TextChoices):
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")


class Via(models.TextChoices):
    LINK = "link", _("Customer link")
    API = "api", _("API (for the customer)")


class RemedyResponse(models.Model):
    complaint = models.ForeignKey(
        Complaint,
        on_delete=models.PROTECT,
        related_name="remedy_responses",
        verbose_name=_("complaint"),
    )
    # The step that remedied it (remedy or approve): the customer answers that remedy.
    remedy_log = models.OneToOneField(
        TransitionLog,
        on_delete=models.PROTECT,
        related_name="remedy_response",
        verbose_name=_("remedy"),
    )
    decision = models.CharField(_("decision"), max_length=16, choices=Decision.choices)
    words = models.TextField(_("the customer's words"), blank=True)
    via = models.CharField(_("via"), max_length=8, choices=Via.choices)
    created_at = models.DateTimeField(_("answered at"), default=timezone.now)

    class Meta:
        verbose_name = _("remedy response")
        verbose_name_plural = _("remedy responses")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["complaint", "created_at"])]

    def __str__(self) -> str:
        return f"{self.complaint_id}: {self.decision}"


class HandlingRating(models.Model):
    complaint = models.OneToOneField(
        Complaint,
        on_delete=models.PROTECT,
        related_name="handling_rating",
        verbose_name=_("complaint"),
    )
    fairness = models.PositiveSmallIntegerField(
        _("treated fairly (1–5)"), validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    solved = models.BooleanField(_("problem solved"))
    comment = models.TextField(_("comment"), blank=True)
    via = models.CharField(_("via"), max_length=8, choices=Via.choices)
    created_at = models.DateTimeField(_("rated at"), default=timezone.now)

    class Meta:
        verbose_name = _("handling rating")
        verbose_name_plural = _("handling ratings")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(fairness__gte=1, fairness__lte=5),
                name="handling_rating_fairness_1_5",
            )
        ]

    def __str__(self) -> str:
        return f"{self.complaint_id}: {self.fairness}/5"
