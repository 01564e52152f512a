"""Read side of the compensation app: the approval queue, a complaint's requests, a customer's
earlier compensation. Selectors own their joins so lists cost a fixed number of queries."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count, QuerySet, Sum

from compensation import money, permissions
from compensation.decision import TIER_RANK
from compensation.models import GIVEN_STATUSES, AuthorityRule, CompensationRequest, Status
from complaints import roles


def compensation_queue(*, user: Any) -> QuerySet[CompensationRequest]:
    """Pending requests, oldest first: those `user` may decide; for frontline, their own
    (to follow, without decide buttons)."""
    rank = roles.user_rank(user)
    qs = (
        CompensationRequest.objects.filter(status=Status.PENDING)
        .select_related("complaint", "customer", "requested_by", "rule")
        .order_by("created_at", "id")
    )
    tiers = permissions.decidable_tiers(rank)
    if tiers:
        return qs.filter(required_tier__in=tiers).exclude(requested_by=user)
    if rank >= 1:
        return qs.filter(requested_by=user)
    return qs.none()


@dataclass(frozen=True)
class EarlierCompensation:
    kind: str
    currency: str
    total: Decimal
    count: int

    @property
    def money(self) -> str:
        return money.format_money(self.total, self.currency)


def customer_earlier_compensation(
    *, customer_ids: Iterable[int]
) -> dict[int, list[EarlierCompensation]]:
    """Everything given (granted or approved) to these customers, by kind — one query."""
    out: dict[int, list[EarlierCompensation]] = defaultdict(list)
    ids = set(customer_ids)
    if not ids:
        return out
    rows = (
        CompensationRequest.objects.filter(customer_id__in=ids, status__in=GIVEN_STATUSES)
        .values("customer_id", "kind", "currency")
        .annotate(total=Sum("amount"), n=Count("id"))
        .order_by("customer_id", "kind", "currency")
    )
    for row in rows:
        out[row["customer_id"]].append(
            EarlierCompensation(row["kind"], row["currency"], row["total"], row["n"])
        )
    return out


def complaint_compensation_requests(*, complaint_id: int) -> list[CompensationRequest]:
    return list(
        CompensationRequest.objects.filter(complaint_id=complaint_id)
        .select_related("requested_by", "decided_by")
        .order_by("created_at", "id")
    )


def complaint_pending_tier(*, complaint_id: int) -> str | None:
    """The highest tier any pending request on the complaint needs; None if nothing waits."""
    tiers = set(
        CompensationRequest.objects.filter(
            complaint_id=complaint_id, status=Status.PENDING
        ).values_list("required_tier", flat=True)
    )
    return max(tiers, key=lambda t: TIER_RANK[t]) if tiers else None


def complaint_pending_requester_ids(*, complaint_id: int) -> set[int]:
    return set(
        CompensationRequest.objects.filter(
            complaint_id=complaint_id, status=Status.PENDING
        ).values_list("requested_by_id", flat=True)
    )


def authority_rules() -> QuerySet[AuthorityRule]:
    return AuthorityRule.objects.order_by("role", "kind")


def compensation_decidable(*, user: Any) -> QuerySet[CompensationRequest]:
    """Pending requests `user` may decide (the API's approval queue): never their own."""
    tiers = permissions.decidable_tiers(roles.user_rank(user))
    if not tiers:
        return CompensationRequest.objects.none()
    return compensation_queue(user=user)


def compensation_get(*, request_id: int) -> CompensationRequest:
    return CompensationRequest.objects.select_related(
        "complaint", "requested_by", "decided_by"
    ).get(pk=request_id)
