"""What a compensation decision reads, and the decision over the items of one remedy.

Invariants kept here:
- Limits count everything committed (granted, approved and pending) of the same kind and
  currency on the complaint and to the customer in the last 30 days (`_committed`), and each
  item of a remedy counts the ones before it (`_decide_all`), so splitting does not work.
- The 30-day total to a customer is read under the customer row lock (`_lock_customer`), taken
  after the complaint lock and before the request rows: lock order complaint, customer,
  requests, so concurrent deciders cannot deadlock.
- A kind is decided in the currency of its rules; another currency is refused.
Deciding itself is the pure `compensation.decision.decide`; nothing here writes.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from compensation import decision
from compensation.models import COMMITTED_STATUSES, AuthorityRule, CompensationRequest
from compensation.services.items import Item
from complaints.models import Complaint, Customer
from core import roles
from core.errors import RuleViolationError

WINDOW = timedelta(days=30)


def _rules() -> list[decision.Rule]:
    return [r.as_rule() for r in AuthorityRule.objects.all()]


def _check_currencies(items: Sequence[Item], rules: Sequence[decision.Rule]) -> None:
    """A kind is decided in the currency of its rules; another currency is refused."""
    errors: dict[str, list[str]] = {}
    for n, item in enumerate(items, start=1):
        currencies = sorted({r.currency for r in rules if r.kind == item.kind})
        if currencies and item.currency not in currencies:
            errors[f"items.{n}.currency"] = [
                _("This kind is decided in %(currencies)s, not %(currency)s.")
                % {"currencies": ", ".join(currencies), "currency": item.currency}
            ]
    if errors:
        raise RuleViolationError(
            _(
                "Compensation is given in the currency of its authority rule: change the "
                "currency of the marked items."
            ),
            fields=errors,
        )


Key = tuple[str, str]  # (kind, currency)


def _committed(
    *, complaint_id: int, customer_id: int, exclude_ids: Iterable[int] = ()
) -> tuple[dict[Key, Decimal], dict[Key, Decimal]]:
    """Amounts committed on the complaint, and to the customer in the window, by kind/currency."""
    since = timezone.now() - WINDOW
    base = CompensationRequest.objects.filter(status__in=COMMITTED_STATUSES).exclude(
        pk__in=list(exclude_ids)
    )

    def sums(qs) -> dict[Key, Decimal]:
        out: dict[Key, Decimal] = defaultdict(Decimal)
        for row in qs.values("kind", "currency").annotate(total=Sum("amount")).order_by():
            out[(row["kind"], row["currency"])] = row["total"] or Decimal(0)
        return out

    return (
        sums(base.filter(complaint_id=complaint_id)),
        sums(base.filter(customer_id=customer_id, created_at__gte=since)),
    )


def _decide_all(
    *,
    items: Sequence[Item],
    actor: Any,
    on_complaint: Mapping[Key, Decimal],
    to_customer: Mapping[Key, Decimal],
    rules: Sequence[decision.Rule],
) -> list[decision.Decision]:
    """Decide items in order; each counts the ones before it, so one remedy cannot split."""
    running: dict[Key, Decimal] = defaultdict(Decimal)
    actor_roles = roles.user_roles(actor)
    superuser = bool(getattr(actor, "is_superuser", False)) and roles.user_rank(actor) > 0
    out = []
    for item in items:
        key = (item.kind, item.currency)
        out.append(
            decision.decide(
                roles=actor_roles,
                is_superuser=superuser,
                kind=item.kind,
                amount=item.amount,
                currency=item.currency,
                on_complaint=on_complaint.get(key, Decimal(0)) + running[key],
                to_customer=to_customer.get(key, Decimal(0)) + running[key],
                rules=rules,
            )
        )
        running[key] += item.amount
    return out


def _highest_tier(decisions: Iterable[decision.Decision]) -> str:
    return max((d.required_tier for d in decisions), key=lambda t: decision.TIER_RANK[t])


def _lock_customer(complaint: Complaint) -> None:
    """Serialise grants to one customer: the 30-day limit spans all their complaints, so two
    agents on two of them must not both read the same total. Taken after the complaint lock."""
    Customer.objects.select_for_update().filter(pk=complaint.customer_id).first()


def _highest_tier_of(requests: Sequence[CompensationRequest]) -> str:
    return max((r.required_tier for r in requests), key=lambda t: decision.TIER_RANK[t])
