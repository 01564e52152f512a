"""Retention rules and the log of what was done with a customer's personal data.

- `RetentionRule`: how many years after a complaint closed its customer's personal data is kept,
  per category; categories without a rule keep `settings.REDRESS_RETENTION_YEARS`. Managers edit
  them in the admin. Regimes (DESIGN §11) plug in through `privacy.retention.retention_source`.
- `PersonalDataLog`: append-only, one row per export or anonymisation (who, whom, why, when) —
  the audit of acts that are not complaint changes (an export changes nothing).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from complaints.models import AppendOnlyError, Category


class RetentionRule(models.Model):
    category = models.CharField(_("category"), max_length=32, choices=Category.choices, unique=True)
    years = models.PositiveSmallIntegerField(
        _("years after closing"),
        help_text=_("The customer's personal data is anonymised this many years after closing."),
    )

    class Meta:
        ordering = ["category"]
        verbose_name = _("retention rule")
        verbose_name_plural = _("retention rules")

    def __str__(self) -> str:
        return f"{self.get_category_display()}: {self.years}"


class PersonalDataAction(models.TextChoices):
    EXPORT = "export", _("Exported")
    ANONYMISE = "anonymise", _("Anonymised")


class PersonalDataLogQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError("Personal data log rows cannot be changed")

    def delete(self):
        raise AppendOnlyError("Personal data log rows cannot be deleted")


class PersonalDataLog(models.Model):
    customer = models.ForeignKey(
        "complaints.Customer",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("customer"),
    )
    action = models.CharField(_("action"), max_length=16, choices=PersonalDataAction.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("actor"),
    )
    actor_label = models.CharField(_("actor label"), max_length=200)
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    details = models.JSONField(_("details"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_index=True)

    objects = PersonalDataLogQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("personal data log entry")
        verbose_name_plural = _("personal data log")

    def __str__(self) -> str:
        return f"{self.get_action_display()}: {self.customer_id} by {self.actor_label}"

    def save(self, *args, **kwargs) -> None:
        if not self._state.adding:
            raise AppendOnlyError("Personal data log rows cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("Personal data log rows cannot be deleted")
