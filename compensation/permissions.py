"""Who may decide compensation and edit authority rules: small pure functions.

One truth for three doors (services, admin, API). They take ranks and ids, not requests, so
they are trivially testable; `core.roles.user_rank` turns a user into a rank.
"""

from __future__ import annotations

from compensation.decision import MANAGER, SUPERUSER, TEAM_LEAD, TIER_RANK, TIERS

DECIDER_MIN_RANK = TIER_RANK[TEAM_LEAD]


def decidable_tiers(actor_rank: int) -> list[str]:
    """Required tiers an actor of `actor_rank` may decide (lead and above only)."""
    if actor_rank < DECIDER_MIN_RANK:
        return []
    return [t for t in (*TIERS, SUPERUSER) if TIER_RANK[t] <= actor_rank]


def can_decide(
    *, actor_rank: int, actor_id: int | None, required_tier: str, requested_by_id: int | None
) -> bool:
    """Approve: a lead or above, at least the required tier, and never one's own request."""
    return (
        actor_rank >= DECIDER_MIN_RANK
        and actor_rank >= TIER_RANK.get(required_tier, TIER_RANK[SUPERUSER])
        and actor_id is not None
        and actor_id != requested_by_id
    )


def can_reject(*, actor_rank: int, required_tier: str) -> bool:
    """Reject (send back with guidance): a lead or above, at least the required tier.

    Four eyes are not needed to say no: a lead may withdraw their own request.
    """
    return actor_rank >= DECIDER_MIN_RANK and actor_rank >= TIER_RANK.get(
        required_tier, TIER_RANK[SUPERUSER]
    )


def can_edit_rules(actor_rank: int) -> bool:
    return actor_rank >= TIER_RANK[MANAGER]
