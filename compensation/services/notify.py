"""The "approval needed" staff email: written as an outbox row in the transaction that sends a
remedy for approval, sent after commit by the outbox task (never while rows are locked).

Who gets it: the active members of the tier whose authority the request needs (superusers when
it is above every tier), never the requester (four eyes: they cannot decide it anyway).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import translation
from django.utils.translation import gettext

from compensation import decision, money
from compensation.models import CompensationRequest
from complaints.models import Complaint
from core import roles
from escalation.services.notify import Recipient, tier_emails
from webhooks.services import mail_record_many


def _deciders(tier: str, requester: Any) -> list[Recipient]:
    if tier == decision.SUPERUSER:
        users = get_user_model().objects.filter(is_superuser=True, is_active=True)
        recipients = [
            Recipient(email, language or "", time_zone or "")
            for email, language, time_zone in users.exclude(email="").values_list(
                "email", "staff_profile__language", "staff_profile__time_zone"
            )
        ]
    else:
        recipients = tier_emails(tiers={tier})[tier]
    mine = getattr(requester, "email", "")
    unique = {r.email: r for r in recipients if r.email and r.email != mine}
    return [unique[email] for email in sorted(unique)]


def approval_needed_record(
    *, complaint: Complaint, requests: Sequence[CompensationRequest], tier: str, requester: Any
) -> int:
    """Record the email to the deciders of `tier`, one per language among them (each reads it
    in their staff profile's language); returns how many were recorded."""
    by_language: dict[str, list[str]] = defaultdict(list)
    for r in _deciders(tier, requester):
        by_language[r.language or settings.LANGUAGE_CODE].append(r.email)
    who = getattr(requester, "get_full_name", lambda: "")() or getattr(requester, "username", "")
    base = getattr(settings, "REDRESS_BASE_URL", "")
    mails = []
    for language, to in by_language.items():
        with translation.override(language):
            lines = [
                f"- {r.get_kind_display()}: {money.format_money(r.amount, r.currency)}"
                + (f" ({r.note})" if r.note else "")
                for r in requests
            ]
            total = ", ".join(money.format_money(r.amount, r.currency) for r in requests)
            values = {
                "who": who,
                "ref": complaint.reference,
                "subject": complaint.subject,
                "tier": gettext("superuser")
                if tier == decision.SUPERUSER
                else roles.tier_name(tier),
                "total": total,
            }
            body = (
                gettext(
                    "%(who)s asks for compensation on %(ref)s (%(subject)s) that needs "
                    "approval by %(tier)s:"
                )
                % values
                + "\n"
                + "\n".join(lines)
                + "\n\n"
                + gettext("Approval queue: %(url)s")
                % {"url": f"{base}/admin/compensation/pendingapproval/"}
                + "\n"
                + gettext("The complaint: %(url)s")
                % {"url": f"{base}/admin/complaints/complaint/{complaint.pk}/change/"}
                + "\n"
            )
            subject = gettext("[Redress] %(ref)s: compensation waits for your approval (%(total)s)")
            mails.append({"to": to, "subject": subject % values, "body": body})
    return mail_record_many(mails=mails) if mails else 0
