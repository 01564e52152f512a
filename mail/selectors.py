"""Reads of customer mail, with their related rows in the same query (no N+1)."""

from __future__ import annotations

from django.db.models import QuerySet

from mail.models import OutboundMail


def complaint_mail_list(*, complaint_id: int) -> QuerySet[OutboundMail]:
    """The mails of one complaint, oldest first (the complaint page's mail log)."""
    return OutboundMail.objects.filter(complaint_id=complaint_id).order_by("created_at", "pk")


def mail_log_queryset() -> QuerySet[OutboundMail]:
    """Every mail, with its complaint (the admin changelist)."""
    return OutboundMail.objects.select_related("complaint")
