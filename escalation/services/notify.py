"""Staff emails about deadlines (warning, breach), composed as outbox rows.

Nothing is sent here: `webhooks.services.mail_record_many` writes the rows in the caller's
transaction and the outbox task sends them after commit, never while rows are locked.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext_lazy

from complaints import notes
from escalation.models import DeadlineKind


def tier_emails(*, tiers: set[str]) -> dict[str, list[str]]:
    """Active members' addresses per tier (group), one query."""
    members: dict[str, list[str]] = defaultdict(list)
    for group, email in (
        get_user_model()
        .objects.filter(groups__name__in=tiers, is_active=True)
        .exclude(email="")
        .order_by("pk")
        .values_list("groups__name", "email")
    ):
        members[group].append(email)
    return members


def kind_labels() -> dict[str, str]:
    """Lower-case labels of the deadline kinds, translated once per batch, not once per row."""
    return {kind.value: str(kind.label).lower() for kind in DeadlineKind}


def local_tz() -> ZoneInfo:
    return timezone.get_default_timezone()  # cached by Django; cheaper than localtime() per row


@functools.lru_cache(maxsize=4096)
def when(due_at: datetime, tz: Any) -> str:
    """`due_at` as the history and emails show it; a batch's rows often share it."""
    return f"{due_at.astimezone(tz):%Y-%m-%d %H:%M %Z}"


def _kind_label(value: str) -> str:
    return str(DeadlineKind(value).label).lower()


BREACHED = notes.define(
    "deadline_breached",
    gettext_lazy("The %(kind)s deadline (%(due_at)s) passed without an answer."),
    kind=_kind_label,
    due_at=notes.when,
)


def breach_reason(*, deadline: dict) -> notes.Note:
    """Why the sweep escalated: the lapsed deadline, as a note read in each reader's language
    and time zone (its English text is what the API and webhooks say)."""
    return notes.Note(
        BREACHED, {"kind": deadline["kind"], "due_at": deadline["due_at"].isoformat()}
    )


def mail(
    *, deadline: dict, complaint: dict, what: str, to: list[str], labels: dict[str, str]
) -> dict:
    """One staff email ({"to", "subject", "body"}) about a warned or breached deadline."""
    label = labels[deadline["kind"]]
    due = when(deadline["due_at"], local_tz())
    ref = complaint["reference"] or f"#{complaint['pk']}"
    if what == "warning":
        local = deadline["due_at"].astimezone(local_tz())
        subject = f"[Redress] {ref}: {label} deadline at {local:%a %H:%M} is near"
        body = f"The {label} deadline of {ref} ({complaint['subject']}) falls due at {due}."
    else:
        subject = f"[Redress] {ref}: {label} deadline missed, now with {complaint['tier']}"
        body = (
            f"The {label} deadline of {ref} ({complaint['subject']}) passed at "
            f"{due}. The complaint is now {complaint['state']} "
            f"at the {complaint['tier']} tier and waits for you."
        )
    url = f"/admin/complaints/complaint/{complaint['pk']}/change/"
    base = getattr(settings, "REDRESS_BASE_URL", "")
    return {"to": to, "subject": subject, "body": f"{body}\n\n{base}{url}\n"}
