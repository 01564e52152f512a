"""Roles and the permission rules of the workflow, as small pure functions.

Roles are Django groups (`frontline`, `team_lead`, `manager`, plus `integration` for API clients
that file complaints on a customer's behalf). Superusers rank above every tier. The same functions
guard the model's transitions, the services, the admin buttons and (later) the API.
No database access here beyond reading a user's group names once per request.
"""

from __future__ import annotations

from typing import Any

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
