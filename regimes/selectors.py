"""Reads of the regimes app: which regime a category or complaint is under, and its clocks.

`regime_map` is the whole table in two queries (regimes with clocks, assignments); intake and
the retention hook use it, so their cost does not grow with complaints."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Prefetch, Q

from regimes.models import NONE, ComplaintRegime, Regime, RegimeAssignment, RegimeClock


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


def complaint_regime(*, complaint_id: int) -> ComplaintRegime | None:
    """The complaint's regime record with its regime (one query), None when unregulated."""
    return (
        ComplaintRegime.objects.select_related("regime").filter(complaint_id=complaint_id).first()
    )


def regime_retention_rules() -> list[tuple[Q, int]]:
    """privacy's retention hook: each regime's complaints are kept its retention years (at
    least: privacy keeps a complaint for the longest rule that applies). One query."""
    return [
        (Q(regime_record__regime_id=pk), years)
        for pk, years in Regime.objects.filter(retention_years__isnull=False).values_list(
            "pk", "retention_years"
        )
    ]
