"""The "approval needed" staff email: written as an outbox row in the transaction that sends a
remedy for approval, sent after commit by the outbox task (never while rows are locked).

Who gets it: the active members of the tier whose authority the request needs (superusers when
it is above every tier), never the requester (four eyes: they cannot decide it anyway).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model

from compensation import decision, money
from compensation.models import CompensationRequest
from complaints.models import Complaint
from escalation.services.notify import tier_emails
from webhooks.services import mail_record_many


def _deciders(tier: str, requester: Any) -> list[str]:
    if tier == decision.SUPERUSER:
        users = get_user_model().objects.filter(is_superuser=True, is_active=True)
        addresses = list(users.exclude(email="").values_list("email", flat=True))
    else:
        addresses = tier_emails(tiers={tier})[tier]
    mine = getattr(requester, "email", "")
    return sorted({a for a in addresses if a and a != mine})


def approval_needed_record(
    *, complaint: Complaint, requests: Sequence[CompensationRequest], tier: str, requester: Any
) -> int:
    """Record the email to the deciders of `tier`; returns how many were recorded (0 or 1)."""
    to = _deciders(tier, requester)
    if not to:
        return 0
    lines = [
        f"- {r.get_kind_display()}: {money.format_money(r.amount, r.currency)}"
        + (f" ({r.note})" if r.note else "")
        for r in requests
    ]
    who = getattr(requester, "get_full_name", lambda: "")() or getattr(requester, "username", "")
    base = getattr(settings, "REDRESS_BASE_URL", "")
    total = ", ".join(money.format_money(r.amount, r.currency) for r in requests)
    body = (
        f"{who} asks for compensation on {complaint.reference} ({complaint.subject}) that needs "
        f"approval by {tier.replace('_', ' ')}:\n"
        + "\n".join(lines)
        + f"\n\nApproval queue: {base}/admin/compensation/pendingapproval/"
        + f"\nThe complaint: {base}/admin/complaints/complaint/{complaint.pk}/change/\n"
    )
    return mail_record_many(
        mails=[
            {
                "to": to,
                "subject": f"[Redress] {complaint.reference}: compensation waits for your "
                f"approval ({total})",
                "body": body,
            }
        ]
    )
