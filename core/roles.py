"""Roles and the permission rules of the workflow, as small pure functions.

Roles are Django groups (`frontline`, `team_lead`, `manager`, plus `integration` for API clients
that file complaints on a customer's behalf). Superusers rank above every tier. The same functions
guard the model's transitions, the services, the admin buttons and (later) the API.
No database access here beyond reading a user's group names once per request.

Beside each permission function sits its refusal: `<action>_refusal(complaint, user)` is None
exactly when `can_<action>` allows, else the sentence to show — why, and what to do next — in
the active language. Services raise it, the admin shows it, the API answers it: one truth.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

FRONTLINE = "frontline"
TEAM_LEAD = "team_lead"
MANAGER = "manager"
INTEGRATION = "integration"
TIERS: tuple[str, ...] = (FRONTLINE, TEAM_LEAD, MANAGER)
ROLE_GROUPS: tuple[str, ...] = (*TIERS, INTEGRATION)

_RANK = {FRONTLINE: 1, TEAM_LEAD: 2, MANAGER: 3}
SUPERUSER_RANK = 4


def user_roles(user: Any) -> frozenset[str]:
    """Group names of `user`, cached on the instance for the rest of the request."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return frozenset()
    cached = getattr(user, "_redress_roles", None)
    if cached is None:
        cached = frozenset(user.groups.values_list("name", flat=True))
        user._redress_roles = cached
    return cached


def tier_rank(tier: str) -> int:
    return _RANK.get(tier, 0)


def user_rank(user: Any) -> int:
    """0 for non-staff, 1 frontline, 2 team lead, 3 manager, 4 superuser."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return 0
    if user.is_superuser:
        return SUPERUSER_RANK
    return max((tier_rank(r) for r in user_roles(user)), default=0)


def next_tier(tier: str) -> str | None:
    """The tier a complaint climbs to from `tier`; None above manager."""
    index = TIERS.index(tier) if tier in TIERS else -1
    return TIERS[index + 1] if index + 1 < len(TIERS) else None


def user_tiers(user: Any) -> tuple[str, ...]:
    """The team tiers `user` works in; a superuser works in all of them."""
    if user_rank(user) == SUPERUSER_RANK:
        return TIERS
    names = user_roles(user)
    return tuple(t for t in TIERS if t in names)


def is_agent(user: Any) -> bool:
    return user_rank(user) >= 1


def is_integration(user: Any) -> bool:
    return INTEGRATION in user_roles(user)


# Transition permissions: (complaint, user) -> bool, as django_fsm expects.


def can_work(complaint: Any, user: Any) -> bool:
    """Acknowledge, apologize, escalate, pause: any frontline agent or above."""
    return is_agent(user)


def can_remedy(complaint: Any, user: Any) -> bool:
    """An escalated complaint is remedied only by the tier holding it (or above)."""
    if complaint.state == "escalated":
        return user_rank(user) >= max(tier_rank(complaint.tier), 1)
    return is_agent(user)


def can_approve(complaint: Any, user: Any) -> bool:
    """A lead or above, at least at the tier the complaint was escalated to."""
    return user_rank(user) >= max(tier_rank(complaint.tier), tier_rank(TEAM_LEAD))


def can_return(complaint: Any, user: Any) -> bool:
    return can_approve(complaint, user)


def can_set_limits(complaint: Any, user: Any) -> bool:
    """Frontline may end a conversation; from escalated or venting only a manager may."""
    if complaint.state in ("escalated", "venting"):
        return user_rank(user) >= tier_rank(MANAGER)
    return is_agent(user)


def can_reopen(complaint: Any, user: Any) -> bool:
    """The customer (through an integration) or staff; a limit_set complaint only a manager."""
    if complaint.state == "limit_set":
        return user_rank(user) >= tier_rank(MANAGER)
    return is_agent(user) or is_integration(user)


def can_file(user: Any) -> bool:
    return is_agent(user) or is_integration(user)


def can_handle_personal_data(user: Any) -> bool:
    """Export or erase a customer's personal data: managers and superusers."""
    return user_rank(user) >= tier_rank(MANAGER)


# --- refusals: the sentence for a `can_*` that says no (None when it says yes) -----------------

TIER_NAMES = {
    FRONTLINE: gettext_lazy("frontline"),
    TEAM_LEAD: gettext_lazy("team lead"),
    MANAGER: gettext_lazy("manager"),
}


def tier_name(tier: str) -> str:
    """A tier as a person reads it ("team lead"), in the active language."""
    return str(TIER_NAMES.get(tier, tier.replace("_", " ")))


def who_has_rank(rank: int) -> str:
    """Who holds at least `rank`, as the subject of "Only … can" ("a team lead or a manager")."""
    if rank <= tier_rank(FRONTLINE):
        return _("a member of staff")
    if rank == tier_rank(TEAM_LEAD):
        return _("a team lead or a manager")
    if rank == tier_rank(MANAGER):
        return _("a manager")
    return _("a superuser")


def staff_refusal(user: Any) -> str | None:
    """For everything only staff may do (pause, assign, notes, compensation...)."""
    if is_agent(user):
        return None
    return _(
        "Only staff can do this: sign in with a frontline, team lead or manager account, "
        "or ask a colleague who has one."
    )


def work_refusal(complaint: Any, user: Any) -> str | None:
    if can_work(complaint, user):
        return None
    return staff_refusal(user)


def remedy_refusal(complaint: Any, user: Any) -> str | None:
    """Also refuses compensation on a complaint escalated above the actor (it is a remedy)."""
    if can_remedy(complaint, user):
        return None
    if not is_agent(user):
        return staff_refusal(user)
    return _(
        "Only %(who)s can remedy or compensate this complaint: it was escalated to %(tier)s. "
        "Add an internal note with your suggestion, or ask them to take it over."
    ) % {"who": who_has_rank(tier_rank(complaint.tier)), "tier": tier_name(complaint.tier)}


def _decider_refusal(complaint: Any, user: Any, *, above: str, generic: str) -> str:
    if not is_agent(user):
        return staff_refusal(user)
    rank = max(tier_rank(complaint.tier), tier_rank(TEAM_LEAD))
    if tier_rank(complaint.tier) >= tier_rank(TEAM_LEAD):
        return above % {"who": who_has_rank(rank), "tier": tier_name(complaint.tier)}
    return generic % {"who": who_has_rank(rank)}


def approve_refusal(complaint: Any, user: Any) -> str | None:
    if can_approve(complaint, user):
        return None
    return _decider_refusal(
        complaint,
        user,
        above=_(
            "Only %(who)s can approve this: it was escalated to %(tier)s. "
            "Ask one of them to decide it."
        ),
        generic=_("Only %(who)s can approve an escalated complaint. Ask one of them to decide it."),
    )


def return_refusal(complaint: Any, user: Any) -> str | None:
    if can_return(complaint, user):
        return None
    return _decider_refusal(
        complaint,
        user,
        above=_(
            "Only %(who)s can send this complaint back: it was escalated to %(tier)s. "
            "Ask one of them to return it with guidance."
        ),
        generic=_(
            "Only %(who)s can send an escalated complaint back. "
            "Ask one of them to return it with guidance."
        ),
    )


def set_limits_refusal(complaint: Any, user: Any) -> str | None:
    if can_set_limits(complaint, user):
        return None
    if not is_agent(user):
        return staff_refusal(user)
    if complaint.state == "venting":
        return _(
            "Limits can't be set while the customer is still venting: acknowledge first, "
            "or ask a manager to flag abuse."
        )
    return _(
        "Limits can't be set on an escalated complaint except by a manager: ask a manager to do it."
    )


def reopen_refusal(complaint: Any, user: Any) -> str | None:
    if can_reopen(complaint, user):
        return None
    if complaint.state == "limit_set":
        return _(
            "Only a manager can reopen a complaint whose limits were set: "
            "ask a manager to review it."
        )
    return _(
        "Only staff or the customer's shop (through its integration) can reopen a complaint: "
        "sign in with a staff account, or reopen it through the integration."
    )


def personal_data_refusal(user: Any) -> str | None:
    """Why `user` may not export or anonymise a customer's data; None when they may."""
    if can_handle_personal_data(user):
        return None
    return _(
        "Only a manager can export or anonymise a customer's personal data: ask a manager to do it."
    )


def can_read_returns(user: Any) -> bool:
    """The regulator's returns (complaint figures of the whole firm): managers and superusers."""
    return user_rank(user) >= tier_rank(MANAGER)


def returns_refusal(user: Any) -> str | None:
    if can_read_returns(user):
        return None
    return _("Only a manager can read the complaints return: ask a manager for the figures.")


def file_refusal(user: Any) -> str | None:
    if can_file(user):
        return None
    return _(
        "Only staff or an integration can file complaints: sign in with a staff account, "
        "or use an integration's API token."
    )


# The refusal of each workflow transition, by transition name (the model's `permission=`).
TRANSITION_REFUSALS: dict[str, Callable[[Any, Any], str | None]] = {
    "acknowledge": work_refusal,
    "apologize": work_refusal,
    "escalate": work_refusal,
    "remedy": remedy_refusal,
    "approve": approve_refusal,
    "return": return_refusal,
    "set_limits": set_limits_refusal,
    "reopen": reopen_refusal,
}


def transition_refusal(name: str, complaint: Any, user: Any) -> str | None:
    """Why `user` may not fire transition `name` on `complaint`; None when they may."""
    refusal = TRANSITION_REFUSALS.get(name)
    if refusal is None:
        return staff_refusal(user)
    return refusal(complaint, user)
