"""How urgent a promise or deadline is, as a pure function of (due, now).

Used by the queue's time-left column and the complaint page; it touches no database and knows
nothing about where `due` came from (the queue passes `Complaint.next_due_at`, the nearest
running deadline; the workbench passes the agent's promise). A stopped clock reads "paused"
whether or not a due time is known (a paused complaint has no running deadline).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils.translation import gettext as _

SOON = timedelta(hours=4)
TODAY = timedelta(hours=24)

# Levels, most urgent first; they are also the CSS class suffixes (redress-due-<level>).
OVERDUE, SOON_LEVEL, TODAY_LEVEL, LATER, NONE = "overdue", "soon", "today", "later", "none"


@dataclass(frozen=True)
class Urgency:
    level: str
    label: str


def _span(delta: timedelta) -> str:
    minutes = int(abs(delta).total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        return _("%(d)dd %(h)dh") % {"d": days, "h": hours}
    if hours:
        return _("%(h)dh %(m)02dm") % {"h": hours, "m": minutes}
    return _("%(m)dm") % {"m": minutes}


def short_span(delta: timedelta) -> str:
    """A duration as the queue writes it: "2d 3h", "3h 05m", "12m" (the sign is dropped)."""
    return _span(delta)


def urgency(due: datetime | None, now: datetime, *, paused: bool = False) -> Urgency:
    """The level and a short label ("3h 05m left", "2d 1h overdue") for a due time."""
    if paused:
        return Urgency(LATER, _("paused"))
    if due is None:
        return Urgency(NONE, "—")
    left = due - now
    if left < timedelta(0):
        return Urgency(OVERDUE, _("%(span)s overdue") % {"span": _span(left)})
    label = _("%(span)s left") % {"span": _span(left)}
    if left <= SOON:
        return Urgency(SOON_LEVEL, label)
    if left <= TODAY:
        return Urgency(TODAY_LEVEL, label)
    return Urgency(LATER, label)
