"""Staff emails about deadlines (warning, breach), composed as outbox rows.

Each recipient reads the email in the language and time zone of their staff profile (the site's
when they picked none): one row per language and time zone among a deadline's recipients.
Nothing is sent here: `webhooks.services.mail_record_many` writes the rows in the caller's
transaction and the outbox task sends them after commit, never while rows are locked.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import timezone, translation
from django.utils.translation import gettext, gettext_lazy

from complaints import notes
from complaints.models import State, Tier
from escalation.models import DeadlineKind


@dataclass(frozen=True)
class Recipient:
    """A staff address with the language and time zone its owner reads in ("" = the site's)."""

    email: str
    language: str = ""
    time_zone: str = ""


def tier_emails(*, tiers: set[str]) -> dict[str, list[Recipient]]:
    """Active members per tier (group), with their language and time zone; one query."""
    members: dict[str, list[Recipient]] = defaultdict(list)
    for group, email, language, time_zone in (
        get_user_model()
        .objects.filter(groups__name__in=tiers, is_active=True)
        .exclude(email="")
        .order_by("pk")
        .values_list("groups__name", "email", "staff_profile__language", "staff_profile__time_zone")
    ):
        members[group].append(Recipient(email, language or "", time_zone or ""))
    return members


def local_tz() -> ZoneInfo:
    return timezone.get_default_timezone()  # cached by Django; cheaper than localtime() per row


@functools.lru_cache(maxsize=64)
def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name) if name else local_tz()
    except (ZoneInfoNotFoundError, ValueError):
        return local_tz()


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


def mail(*, deadline: dict, complaint: dict, what: str, to: list[Recipient]) -> list[dict]:
    """The staff emails ({"to", "subject", "body"}) about a warned or breached deadline: one per
    language and time zone among `to`."""
    groups: dict[tuple[str, str], list[str]] = defaultdict(list)
    for r in to:
        groups[(r.language or settings.LANGUAGE_CODE, r.time_zone)].append(r.email)
    return [
        _compose(deadline=deadline, complaint=complaint, what=what, to=emails, lang=lang, tz=tz)
        for (lang, tz), emails in groups.items()
    ]


def _compose(
    *, deadline: dict, complaint: dict, what: str, to: list[str], lang: str, tz: str
) -> dict:
    zone = _zone(tz)
    with translation.override(lang):
        values = {
            "ref": complaint["reference"] or f"#{complaint['pk']}",
            "kind": _kind_label(deadline["kind"]),
            "subject": complaint["subject"],
            "due": when(deadline["due_at"], zone),
            "at": f"{deadline['due_at'].astimezone(zone):%a %H:%M}",
            "tier": str(Tier(complaint["tier"]).label),
            "state": str(State(complaint["state"]).label),
        }
        if what == "warning":
            subject = gettext("[Redress] %(ref)s: %(kind)s deadline at %(at)s is near") % values
            body = gettext("The %(kind)s deadline of %(ref)s (%(subject)s) falls due at %(due)s.")
        else:
            subject = gettext("[Redress] %(ref)s: %(kind)s deadline missed, now with %(tier)s")
            subject %= values
            body = gettext(
                "The %(kind)s deadline of %(ref)s (%(subject)s) passed at %(due)s. The "
                "complaint is now %(state)s at the %(tier)s tier and waits for you."
            )
    url = f"/admin/complaints/complaint/{complaint['pk']}/change/"
    base = getattr(settings, "REDRESS_BASE_URL", "")
    return {"to": to, "subject": subject, "body": f"{body % values}\n\n{base}{url}\n"}
