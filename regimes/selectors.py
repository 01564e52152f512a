"""Reads of the regimes app: which regime a category or complaint is under, and its clocks.

`regime_map` is the whole table in two queries (regimes with clocks, assignments); intake and
the retention hook use it, so their cost does not grow with complaints."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Prefetch, Q

from escalation.models import OPEN_STATUSES, Deadline
from regimes.models import (
    MAX_RETENTION_YEARS,
    NONE,
    ComplaintRegime,
    Regime,
    RegimeAssignment,
    RegimeClock,
)


@dataclass(frozen=True)
class RegimeMap:
    by_code: dict[str, Regime]
    by_category: dict[str, Regime]

    def for_category(self, category: str) -> Regime | None:
        """The regime of a category's complaints (None: unregulated, the `none` regime)."""
        return self.by_category.get(category) or self.by_code.get(NONE)


def regime_map() -> RegimeMap:
    regimes = {
        r.pk: r
        for r in Regime.objects.prefetch_related(
            Prefetch("clocks", queryset=RegimeClock.objects.order_by("limit", "kind"))
        )
    }
    return RegimeMap(
        by_code={r.code: r for r in regimes.values()},
        by_category={a.category: regimes[a.regime_id] for a in RegimeAssignment.objects.all()},
    )


def regulated_categories_exist(*, categories: set[str]) -> bool:
    """Whether any of `categories` falls under an active regime other than `none`. One query."""
    return (
        RegimeAssignment.objects.filter(category__in=categories, regime__active=True)
        .exclude(regime__code=NONE)
        .exists()
    )


def complaint_regime(*, complaint_id: int) -> ComplaintRegime | None:
    """The complaint's regime record with its regime (one query), None when unregulated."""
    return (
        ComplaintRegime.objects.select_related("regime").filter(complaint_id=complaint_id).first()
    )


def regime_clock_open(*, complaint_id: int, kind: str) -> bool:
    """Whether the complaint's legal clock of `kind` still runs (e.g. the letters work asks if
    a summary resolution is still allowed: `reg_summary_window`). One query."""
    return Deadline.objects.filter(
        complaint_id=complaint_id, kind=kind, status__in=OPEN_STATUSES
    ).exists()


def regime_retention_rules() -> list[tuple[Q, int]]:
    """privacy's retention hook: a regime's complaints are kept its retention years (at least:
    privacy keeps a complaint for the longest rule that applies).

    No query: one rule per possible number of years (1 to `MAX_RETENTION_YEARS`), over the
    complaint's regime row, so a retention batch stays one query and an edit of a regime's
    years applies at once in every process."""
    return [
        (Q(regime_record__regime__retention_years=years), years)
        for years in range(1, MAX_RETENTION_YEARS + 1)
    ]
