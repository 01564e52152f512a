"""The log of audit redactions: which audit row had which columns replaced, by whom, when, why.

Append-only like the rows it speaks of (model guard and, on PostgreSQL, triggers); it never
holds the old values, so redacting personal text leaves no copy of it here.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.audit import AppendOnlyModel, audit_triggers


class AuditRedaction(AppendOnlyModel):
    model = models.CharField(_("table"), max_length=100)
    object_pk = models.CharField(_("row"), max_length=64)
    fields = models.JSONField(_("columns"), default=list)
    reason = models.CharField(_("reason"), max_length=500)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("actor"),
    )
    actor_label = models.CharField(_("actor label"), max_length=200)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta(AppendOnlyModel.Meta):
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["model", "object_pk"])]
        verbose_name = _("audit redaction")
        verbose_name_plural = _("audit redactions")
        triggers = audit_triggers(redactable=())

    def __str__(self) -> str:
        return f"{self.model} {self.object_pk}: {', '.join(self.fields)}"
