"""Read side of the compensation app: the approval queue (with each complaint's running approval
deadline and what the customer already received), a complaint's requests, a customer's earlier
compensation, and the dashboard's figures: compensation granted by kind and tier, the outcome
split of closed complaints (overall and by category) and redress apart from goodwill. Selectors
own their joins so lists cost a fixed number of queries, whatever the number of rows."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone

from compensation import money, permissions
from compensation.decision import TIER_RANK
from compensation.models import (
    GIVEN_STATUSES,
    AuthorityRule,
    CompensationRequest,
    Kind,
    Nature,
    Status,
)
from compensation.services.limits import WINDOW
from complaints.models import Category, Complaint, Outcome, State
from core import roles
from escalation.models import OPEN_STATUSES, Deadline, DeadlineKind


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
class Received:
    """What one customer was given (granted or approved) in one currency: in the per-customer
    window of the authority rules (30 days) and in all."""

    currency: str
    window_total: Decimal
    window_count: int
    total: Decimal
    count: int

    @property
    def window_money(self) -> str:
        return money.format_money(self.window_total, self.currency)

    @property
    def all_money(self) -> str:
        return money.format_money(self.total, self.currency)


def customer_received(
    *, customer_ids: Iterable[int], now: datetime | None = None
) -> dict[int, list[Received]]:
    """What these customers already received, per currency: in the last 30 days and in all.
    One query for any number of customers."""
    out: dict[int, list[Received]] = defaultdict(list)
    ids = set(customer_ids)
    if not ids:
        return out
    recent = Q(created_at__gt=(now or timezone.now()) - WINDOW)
    rows = (
        CompensationRequest.objects.filter(customer_id__in=ids, status__in=GIVEN_STATUSES)
        .values("customer_id", "currency")
        .annotate(
            total=Sum("amount"),
            n=Count("id"),
            window_total=Sum("amount", filter=recent, default=Decimal(0)),
            window_n=Count("id", filter=recent),
        )
        .order_by("customer_id", "currency")
    )
    for row in rows:
        out[row["customer_id"]].append(
            Received(row["currency"], row["window_total"], row["window_n"], row["total"], row["n"])
        )
    return out


def approval_deadlines(*, complaint_ids: Iterable[int]) -> dict[int, Deadline]:
    """Each complaint's running approval-decision deadline (the nearest if several) — one
    query. A complaint without one (no policy, or already decided) is absent."""
    ids = set(complaint_ids)
    if not ids:
        return {}
    out: dict[int, Deadline] = {}
    for deadline in Deadline.objects.filter(
        complaint_id__in=ids, kind=DeadlineKind.APPROVAL, status__in=OPEN_STATUSES
    ).order_by("complaint_id", "due_at", "id"):
        out.setdefault(deadline.complaint_id, deadline)
    return out


def complaint_compensation_requests(*, complaint_id: int) -> list[CompensationRequest]:
    return list(
        CompensationRequest.objects.filter(complaint_id=complaint_id)
        .select_related("requested_by", "decided_by")
        .order_by("created_at", "id")
    )


def complaint_compensation_given(*, complaint_id: int) -> list[CompensationRequest]:
    """What was given on the complaint (granted on the spot or approved), oldest first."""
    return list(
        CompensationRequest.objects.filter(complaint_id=complaint_id, status__in=GIVEN_STATUSES)
        .only("kind", "amount", "currency", "quantity", "created_at")
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


# --- the dashboard: compensation granted by kind and tier ----------------------------------------


@dataclass(frozen=True)
class Granted:
    """Compensation of one kind, given under one tier's authority, in one currency."""

    kind: str
    tier: str  # the authority it needed: frontline (granted on the spot) up to superuser
    currency: str
    count: int
    total: Decimal

    @property
    def money(self) -> str:
        return money.format_money(self.total, self.currency)


def compensation_granted(*, days: int = 30, now: datetime | None = None) -> dict[str, Any]:
    """Compensation given (granted on the spot or approved) with its decision in the last
    `days`: `rows` by kind × tier × currency, `by_kind` (kind × currency) and `by_tier`
    (tier × currency), in the order of the kinds and tiers. One query; sums are Decimal."""
    now = now or timezone.now()
    kind_order = {k: i for i, k in enumerate(Kind.values)}
    query = (
        CompensationRequest.objects.filter(
            status__in=GIVEN_STATUSES,
            decided_at__gt=now - timedelta(days=days),
            decided_at__lte=now,
        )
        .order_by()
        .values("kind", "required_tier", "currency")
        .annotate(n=Count("id"), total=Sum("amount"))
    )
    rows = sorted(
        (
            Granted(
                r["kind"],
                r["required_tier"],
                r["currency"],
                r["n"],
                Decimal(money.as_text(r["total"], r["currency"])),  # the currency's decimals
            )
            for r in query
        ),
        key=lambda g: (kind_order.get(g.kind, 99), TIER_RANK.get(g.tier, 99), g.currency),
    )

    def merge(key: str) -> list[Granted]:
        merged: dict[tuple[str, str], Granted] = {}
        for g in rows:
            group = (getattr(g, key), g.currency)
            old = merged.get(group)
            merged[group] = Granted(
                g.kind if key == "kind" else "",
                g.tier if key == "tier" else "",
                g.currency,
                g.count + (old.count if old else 0),
                g.total + (old.total if old else Decimal(0)),
            )
        return sorted(
            merged.values(),
            key=lambda g: (kind_order.get(g.kind, 99), TIER_RANK.get(g.tier, 99), g.currency),
        )

    return {"days": days, "rows": rows, "by_kind": merge("kind"), "by_tier": merge("tier")}


# --- the dashboard: how complaints ended, and what was redress or goodwill ----------------------

CLOSED_STATES = (State.REMEDIED, State.LIMIT_SET)


@dataclass(frozen=True)
class OutcomeSplit:
    """How the complaints of one group (a category, or all: `category` "") closed."""

    category: str
    counts: dict[str, int]  # outcome -> complaints; every Outcome value present
    not_recorded: int  # closed without an outcome (none yet, e.g. approved before one existed)

    @property
    def total(self) -> int:
        """Complaints with an outcome: what the shares are of."""
        return sum(self.counts.values())

    def share(self, outcome: str) -> Decimal | None:
        """Percent of `total` with `outcome`, one decimal (None when nothing closed)."""
        if not self.total:
            return None
        return (Decimal(100 * self.counts[outcome]) / self.total).quantize(Decimal("0.1"))

    @property
    def shares(self) -> list[tuple[str, int, Decimal | None]]:
        """(outcome, count, percent) in the order of the outcomes."""
        return [(o, self.counts[o], self.share(o)) for o in Outcome.values]


def outcome_split(*, days: int = 30, now: datetime | None = None) -> dict[str, Any]:
    """Complaints closed (remedied or limits set; `state_changed_at` in the last `days`) by
    outcome: `all` and `by_category` (categories in their order, only those with closures).
    One query."""
    now = now or timezone.now()
    query = (
        Complaint.objects.filter(
            state__in=CLOSED_STATES,
            state_changed_at__gt=now - timedelta(days=days),
            state_changed_at__lte=now,
        )
        .order_by()
        .values("category", "outcome")
        .annotate(n=Count("id"))
    )
    counts: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(Outcome.values, 0))
    missing: dict[str, int] = defaultdict(int)
    for row in query:
        for group in (row["category"], ""):
            if row["outcome"] in Outcome.values:
                counts[group][row["outcome"]] += row["n"]
            else:
                missing[group] += row["n"]
    groups = [c for c in Category.values if c in counts or c in missing]

    def split(group: str) -> OutcomeSplit:
        return OutcomeSplit(group, dict(counts[group]), missing[group])

    return {"days": days, "all": split(""), "by_category": [split(c) for c in groups]}


@dataclass(frozen=True)
class Paid:
    """Compensation given as redress or as goodwill, in one currency."""

    nature: str
    currency: str
    count: int
    total: Decimal

    @property
    def money(self) -> str:
        return money.format_money(self.total, self.currency)


def redress_and_goodwill(*, days: int = 30, now: datetime | None = None) -> list[Paid]:
    """Compensation given (granted on the spot or approved) with its decision in the last
    `days`, redress apart from goodwill, per currency: redress first. One query."""
    now = now or timezone.now()
    query = (
        CompensationRequest.objects.filter(
            status__in=GIVEN_STATUSES,
            decided_at__gt=now - timedelta(days=days),
            decided_at__lte=now,
        )
        .order_by()
        .values("nature", "currency")
        .annotate(n=Count("id"), total=Sum("amount"))
    )
    order = {n: i for i, n in enumerate(Nature.values)}
    return sorted(
        (
            Paid(
                r["nature"],
                r["currency"],
                r["n"],
                Decimal(money.as_text(r["total"], r["currency"])),
            )
            for r in query
        ),
        key=lambda p: (order.get(p.nature, 99), p.currency),
    )
