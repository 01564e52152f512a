"""The empowerment decision, as a pure function: who may grant what, on the spot.

`decide()` takes the actor's roles, one compensation item, what is already committed on this
complaint and to this customer in the rolling window (for the same kind and currency), and the
authority rules; it returns `granted` or `needs_approval` with the required tier, the rule that
decided and the reason. No database, no clock, no Django: it is tested exhaustively.

Invariants (tested with hypothesis in tests/compensation/test_decision.py):
- Cumulative limits count what is already committed, so splitting a request into smaller ones
  never gets more granted without approval than the per-complaint and per-customer limits allow.
- More authority (a superset of roles, or larger limits) never turns `granted` into
  `needs_approval`.
Imports only `compensation.money` (pure); never models, services or the database.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from compensation.money import as_text as _text

FRONTLINE = "frontline"
TEAM_LEAD = "team_lead"
MANAGER = "manager"
SUPERUSER = "superuser"
# The tiers that can hold authority rules, lowest first; above the last only superusers.
TIERS: tuple[str, ...] = (FRONTLINE, TEAM_LEAD, MANAGER)
TIER_RANK = {FRONTLINE: 1, TEAM_LEAD: 2, MANAGER: 3, SUPERUSER: 4}

REFUND = "refund"
REPLACEMENT = "replacement"
STORE_CREDIT = "store_credit"
VOUCHER = "voucher"
GIFT = "gift"
SHIPPING_REFUND = "shipping_refund"
KINDS: tuple[str, ...] = (REFUND, REPLACEMENT, STORE_CREDIT, VOUCHER, GIFT, SHIPPING_REFUND)
# Kinds that move money: a zero amount makes no sense. Goods (a replacement, a small gift) may
# be recorded at zero value.
MONEY_KINDS = frozenset({REFUND, STORE_CREDIT, VOUCHER, SHIPPING_REFUND})

# Whether an item puts right what went wrong (redress: the customer's loss made good) or is a
# gesture beyond that (goodwill) — reported apart (DESIGN §10, §11). Each kind has a default; a
# grant may say otherwise (a refund given although the complaint was not upheld is goodwill).
REDRESS = "redress"
GOODWILL = "goodwill"
NATURES: tuple[str, ...] = (REDRESS, GOODWILL)
DEFAULT_NATURE = {
    REFUND: REDRESS,
    REPLACEMENT: REDRESS,
    SHIPPING_REFUND: REDRESS,
    STORE_CREDIT: REDRESS,
    VOUCHER: GOODWILL,
    GIFT: GOODWILL,
}

GRANTED = "granted"
NEEDS_APPROVAL = "needs_approval"

PER_GRANT = "max_per_grant"
PER_COMPLAINT = "max_per_complaint"
PER_CUSTOMER = "max_per_customer_30d"
LIMITS: tuple[str, ...] = (PER_GRANT, PER_COMPLAINT, PER_CUSTOMER)
_LIMIT_WORDS = {
    PER_GRANT: "per grant",
    PER_COMPLAINT: "per complaint",
    PER_CUSTOMER: "per customer in 30 days",
}


@dataclass(frozen=True)
class Rule:
    """One authority rule: what holders of `role` may grant of `kind`, in `currency`."""

    role: str
    kind: str
    max_per_grant: Decimal
    max_per_complaint: Decimal
    max_per_customer_30d: Decimal
    currency: str
    id: int | None = None

    def as_dict(self) -> dict:
        return {
            "id": self.id,
            "role": self.role,
            "kind": self.kind,
            "max_per_grant": _text(self.max_per_grant, self.currency),
            "max_per_complaint": _text(self.max_per_complaint, self.currency),
            "max_per_customer_30d": _text(self.max_per_customer_30d, self.currency),
            "currency": self.currency,
        }


@dataclass(frozen=True)
class Decision:
    outcome: str  # GRANTED or NEEDS_APPROVAL
    required_tier: str  # the lowest tier whose rule covers the item; SUPERUSER above all
    rule: Rule | None  # the rule that granted it, or the actor's rule that stopped it
    limit: str  # the limit that stopped it ("" when granted; "no_rule" without any rule)
    reason: str

    @property
    def granted(self) -> bool:
        return self.outcome == GRANTED

    def as_dict(self) -> dict:
        return {
            "outcome": self.outcome,
            "required_tier": self.required_tier,
            "rule": self.rule.as_dict() if self.rule else None,
            "limit": self.limit,
            "reason": self.reason,
        }


def breached_limit(
    rule: Rule, *, amount: Decimal, on_complaint: Decimal, to_customer: Decimal
) -> str:
    """The first limit of `rule` that `amount` breaks given what is committed; "" if none."""
    if amount > rule.max_per_grant:
        return PER_GRANT
    if on_complaint + amount > rule.max_per_complaint:
        return PER_COMPLAINT
    if to_customer + amount > rule.max_per_customer_30d:
        return PER_CUSTOMER
    return ""


def _money(amount: Decimal, currency: str) -> str:
    return f"{_text(amount, currency)} {currency}"


def decide(
    *,
    roles: Iterable[str],
    is_superuser: bool = False,
    kind: str,
    amount: Decimal,
    currency: str,
    on_complaint: Decimal = Decimal(0),
    to_customer: Decimal = Decimal(0),
    rules: Iterable[Rule],
) -> Decision:
    """Decide one item. `on_complaint`/`to_customer` are amounts of the same kind and currency
    already committed (granted, approved or pending) on the complaint and to the customer in
    the window, including earlier items of the same remedy."""
    committed = {"amount": amount, "on_complaint": on_complaint, "to_customer": to_customer}
    for name, value in committed.items():
        if not isinstance(value, Decimal):  # never a float: money is exact
            raise TypeError(f"{name} must be a Decimal")
    applicable = [r for r in rules if r.kind == kind and r.currency == currency]

    required = SUPERUSER
    for tier in TIERS:
        tier_rules = [r for r in applicable if r.role == tier]
        if any(not breached_limit(r, **committed) for r in tier_rules):
            required = tier
            break

    what = f"{kind.replace('_', ' ')} of {_money(amount, currency)}"
    if is_superuser:
        return Decision(GRANTED, required, None, "", f"{what}: granted by superuser authority.")

    roles = frozenset(roles)
    mine = [r for r in applicable if r.role in roles]
    if not mine:
        return Decision(
            NEEDS_APPROVAL,
            required,
            None,
            "no_rule",
            f"{what}: your roles hold no authority for this kind in {currency}; "
            f"needs approval by {required.replace('_', ' ')}.",
        )
    # The most generous of the actor's rules decides: it is the one that grants if any does.
    results = [(breached_limit(r, **committed), r) for r in mine]
    for limit, rule in results:
        if not limit:
            return Decision(
                GRANTED,
                required,
                rule,
                "",
                f"{what}: within {rule.role.replace('_', ' ')} authority.",
            )
    # Report the rule with the highest rank among the actor's, the one that came closest.
    limit, rule = max(results, key=lambda lr: (TIER_RANK.get(lr[1].role, 0), lr[1].role))
    cap = getattr(rule, limit)
    if limit == PER_GRANT:
        detail = (
            f"exceeds the {rule.role.replace('_', ' ')} limit of {_money(cap, currency)} per grant"
        )
    else:
        already = on_complaint if limit == PER_COMPLAINT else to_customer
        detail = (
            f"with {_money(already, currency)} already committed, exceeds the "
            f"{rule.role.replace('_', ' ')} limit of {_money(cap, currency)} "
            f"{_LIMIT_WORDS[limit]}"
        )
    return Decision(
        NEEDS_APPROVAL,
        required,
        rule,
        limit,
        f"{what} {detail}; needs approval by {required.replace('_', ' ')}.",
    )
