"""The pure decision function: exhaustive over roles × kinds × limits × under/at/over, and
hypothesis properties (splitting does not pay; more authority never yields less)."""

import importlib
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from compensation import decision, money, permissions
from compensation.decision import Rule, decide

DEFAULTS = importlib.import_module("compensation.migrations.0002_default_rules").DEFAULTS
RULES = [
    Rule(role, kind, Decimal(g), Decimal(c), Decimal(k), "EUR", id=i)
    for i, (role, kind, (g, c, k)) in enumerate(
        (role, kind, limits) for role, kinds in DEFAULTS.items() for kind, limits in kinds.items()
    )
]
CENT = Decimal("0.01")
ZERO = Decimal(0)


def rule_for(role, kind):
    return next(r for r in RULES if r.role == role and r.kind == kind)


def inputs(rule, limit, position):
    """(amount, on_complaint, to_customer) putting `limit` of `rule` under/at/over its cap."""
    delta = {"under": -CENT, "at": ZERO, "over": CENT}[position]
    if limit == decision.PER_GRANT:
        return rule.max_per_grant + delta, ZERO, ZERO
    if limit == decision.PER_COMPLAINT:
        return Decimal(1), rule.max_per_complaint - 1 + delta, ZERO
    return Decimal(1), ZERO, rule.max_per_customer_30d - 1 + delta


def reference_required_tier(kind, amount, on_c, to_k):
    for tier in decision.TIERS:
        r = rule_for(tier, kind)
        if (
            amount <= r.max_per_grant
            and on_c + amount <= r.max_per_complaint
            and to_k + amount <= r.max_per_customer_30d
        ):
            return tier
    return decision.SUPERUSER


CASES = [
    (role, kind, limit, pos)
    for role in decision.TIERS
    for kind in decision.KINDS
    for limit in decision.LIMITS
    for pos in ("under", "at", "over")
]


@pytest.mark.parametrize("role,kind,limit,position", CASES)
def test_every_role_kind_limit_under_at_over(role, kind, limit, position):
    rule = rule_for(role, kind)
    amount, on_c, to_k = inputs(rule, limit, position)
    d = decide(
        roles={role},
        kind=kind,
        amount=amount,
        currency="EUR",
        on_complaint=on_c,
        to_customer=to_k,
        rules=RULES,
    )
    assert d.required_tier == reference_required_tier(kind, amount, on_c, to_k)
    if position == "over":
        assert d.outcome == decision.NEEDS_APPROVAL
        assert d.rule == rule and d.limit == limit
        assert decision.TIER_RANK[d.required_tier] > decision.TIER_RANK[role]
        assert "needs approval by" in d.reason and str(getattr(rule, limit)) in d.reason
    else:
        assert d.outcome == decision.GRANTED
        assert d.rule == rule and d.limit == ""
        assert decision.TIER_RANK[d.required_tier] <= decision.TIER_RANK[role]


@pytest.mark.parametrize("kind", decision.KINDS)
def test_superuser_is_above_every_rule(kind):
    d = decide(
        roles=set(),
        is_superuser=True,
        kind=kind,
        amount=Decimal("999999"),
        currency="EUR",
        rules=RULES,
    )
    assert d.granted and d.required_tier == decision.SUPERUSER and d.rule is None


@pytest.mark.parametrize("kind", decision.KINDS)
def test_no_role_or_other_currency_has_no_authority(kind):
    for roles, currency in ((set(), "EUR"), ({"integration"}, "EUR"), ({"manager"}, "USD")):
        d = decide(roles=roles, kind=kind, amount=CENT, currency=currency, rules=RULES)
        assert not d.granted and d.limit == "no_rule"
    d = decide(roles=set(), kind=kind, amount=CENT, currency="EUR", rules=RULES)
    assert d.required_tier == decision.FRONTLINE


def test_floats_are_refused():
    with pytest.raises(TypeError):
        decide(roles={"manager"}, kind="refund", amount=1.0, currency="EUR", rules=RULES)


def test_eight_small_refunds_do_not_add_up_to_400_without_approval():
    committed, granted = ZERO, ZERO
    for _ in range(8):
        d = decide(
            roles={"frontline"},
            kind="refund",
            amount=Decimal(50),
            currency="EUR",
            on_complaint=committed,
            to_customer=committed,
            rules=RULES,
        )
        committed += Decimal(50)
        granted += Decimal(50) if d.granted else ZERO
    assert granted == rule_for("frontline", "refund").max_per_complaint == Decimal(100)


def test_coconut_remedy_fits_frontline():
    opener = decide(
        roles={"frontline"},
        kind="replacement",
        amount=Decimal("14.90"),
        currency="EUR",
        rules=RULES,
    )
    coconut = decide(
        roles={"frontline"}, kind="gift", amount=Decimal("3.50"), currency="EUR", rules=RULES
    )
    assert opener.granted and coconut.granted
    big = decide(
        roles={"frontline"}, kind="refund", amount=Decimal(400), currency="EUR", rules=RULES
    )
    assert not big.granted and big.required_tier == decision.MANAGER


# --- properties ---------------------------------------------------------------------------------

amounts = st.decimals(min_value=0, max_value=5000, places=2, allow_nan=False, allow_infinity=False)
role_sets = st.sets(st.sampled_from([*decision.TIERS, "integration"]))


@settings(max_examples=300, deadline=None)
@given(
    kind=st.sampled_from(decision.KINDS),
    small=role_sets,
    extra=role_sets,
    amount=amounts,
    on_c=amounts,
    to_k=amounts,
)
def test_more_roles_never_yield_less(kind, small, extra, amount, on_c, to_k):
    kw = dict(kind=kind, amount=amount, currency="EUR", on_complaint=on_c, rules=RULES)
    less = decide(roles=small, to_customer=on_c + to_k, **kw)
    more = decide(roles=small | extra, to_customer=on_c + to_k, **kw)
    assert less.required_tier == more.required_tier
    if less.granted:
        assert more.granted
    superuser = decide(roles=small, is_superuser=True, to_customer=on_c + to_k, **kw)
    assert superuser.granted


@settings(max_examples=300, deadline=None)
@given(
    kind=st.sampled_from(decision.KINDS),
    role=st.sampled_from(decision.TIERS),
    amount=amounts,
    on_c=amounts,
    raise_by=st.tuples(amounts, amounts, amounts),
)
def test_larger_limits_never_yield_less(kind, role, amount, on_c, raise_by):
    bigger = [
        Rule(
            r.role,
            r.kind,
            r.max_per_grant + raise_by[0],
            r.max_per_complaint + raise_by[1],
            r.max_per_customer_30d + raise_by[2],
            r.currency,
        )
        for r in RULES
    ]
    kw = dict(roles={role}, kind=kind, amount=amount, currency="EUR", on_complaint=on_c)
    before = decide(to_customer=on_c, rules=RULES, **kw)
    after = decide(to_customer=on_c, rules=bigger, **kw)
    if before.granted:
        assert after.granted
    assert decision.TIER_RANK[after.required_tier] <= decision.TIER_RANK[before.required_tier]


@settings(max_examples=400, deadline=None)
@given(
    kind=st.sampled_from(decision.KINDS),
    roles=role_sets,
    parts=st.lists(st.decimals(min_value="0.01", max_value=600, places=2), min_size=1, max_size=12),
    on_c=st.decimals(min_value=0, max_value=200, places=2),
    extra_customer=st.decimals(min_value=0, max_value=200, places=2),
)
def test_splitting_never_gets_more_granted_than_the_whole_could(
    kind, roles, parts, on_c, extra_customer
):
    to_k = on_c + extra_customer  # the customer's window includes this complaint
    whole = sum(parts, ZERO)
    whole_d = decide(
        roles=roles,
        kind=kind,
        amount=whole,
        currency="EUR",
        on_complaint=on_c,
        to_customer=to_k,
        rules=RULES,
    )
    committed, granted_split, all_granted = ZERO, ZERO, True
    for part in parts:
        d = decide(
            roles=roles,
            kind=kind,
            amount=part,
            currency="EUR",
            on_complaint=on_c + committed,
            to_customer=to_k + committed,
            rules=RULES,
        )
        committed += part  # granted or pending, it counts against the limits
        if d.granted:
            granted_split += part
        else:
            all_granted = False
    mine = [r for r in RULES if r.kind == kind and r.role in roles]
    headroom = max(
        (min(r.max_per_complaint - on_c, r.max_per_customer_30d - to_k) for r in mine),
        default=ZERO,
    )
    granted_whole = whole if whole_d.granted else ZERO
    # Never more granted without approval than the cumulative limits allow the whole...
    assert granted_split <= max(granted_whole, headroom, ZERO)
    # ...and if the whole breaks a cumulative limit, splitting cannot get all of it granted.
    if whole > headroom:
        assert not all_granted


# --- money input and permissions (pure) ----------------------------------------------------------


@pytest.mark.parametrize(
    "value,currency,allow_zero,ok",
    [
        ("10.00", "EUR", False, True),
        ("10.001", "EUR", False, False),
        ("10.5", "JPY", False, False),
        ("1000", "JPY", False, True),
        ("1.125", "BHD", False, True),
        ("0", "EUR", False, False),
        ("0", "EUR", True, True),
        ("-1", "EUR", True, False),
        ("1e9", "EUR", False, False),
        ("NaN", "EUR", False, False),
        ("Infinity", "EUR", False, False),
        ("abc", "EUR", False, False),
        (10.5, "EUR", False, False),
        (True, "EUR", False, False),
        (Decimal("12.30"), "EUR", False, True),
        (5, "EUR", False, True),
    ],
)
def test_parse_amount(value, currency, allow_zero, ok):
    if ok:
        assert isinstance(money.parse_amount(value, currency, allow_zero=allow_zero), Decimal)
    else:
        with pytest.raises(money.AmountError):
            money.parse_amount(value, currency, allow_zero=allow_zero)


def test_currency_codes():
    # Strict as the API always was: lower case and padding were upper-cased here (issue 10).
    assert money.parse_currency("EUR") == "EUR"
    for bad in ("XXX", "EURO", 978, None, "eur", " EUR ", "Eur"):
        with pytest.raises(money.AmountError):
            money.parse_currency(bad)


@pytest.mark.parametrize(
    "rank,actor,tier,requester,expected",
    [
        (1, 1, "frontline", 2, False),  # frontline never decides
        (2, 1, "team_lead", 2, True),
        (2, 1, "manager", 2, False),
        (3, 1, "manager", 2, True),
        (3, 1, "manager", 1, False),  # four eyes
        (3, 1, "superuser", 2, False),
        (4, 1, "superuser", 2, True),
        (4, 1, "superuser", 1, False),
    ],
)
def test_can_decide(rank, actor, tier, requester, expected):
    assert (
        permissions.can_decide(
            actor_rank=rank, actor_id=actor, required_tier=tier, requested_by_id=requester
        )
        is expected
    )


def test_rule_editing_is_for_managers():
    assert [permissions.can_edit_rules(r) for r in range(5)] == [False, False, False, True, True]


limits = st.decimals(min_value=0, max_value=1000, places=2)
random_rules = st.lists(
    st.builds(
        Rule,
        role=st.sampled_from(decision.TIERS),
        kind=st.just("refund"),
        max_per_grant=limits,
        max_per_complaint=limits,
        max_per_customer_30d=limits,
        currency=st.just("EUR"),
    ),
    max_size=6,
)


@settings(max_examples=400, deadline=None)
@given(
    rules=random_rules,
    roles=role_sets,
    extra=role_sets,
    parts=st.lists(st.decimals(min_value="0.01", max_value=400, places=2), min_size=1, max_size=8),
)
def test_properties_hold_for_any_rules(rules, roles, extra, parts):
    """Whatever managers configure: splitting stays within the cumulative limits, and more
    roles never yield less."""
    committed, granted = ZERO, ZERO
    for part in parts:
        kw = dict(
            kind="refund",
            amount=part,
            currency="EUR",
            on_complaint=committed,
            to_customer=committed,
            rules=rules,
        )
        d = decide(roles=roles, **kw)
        if d.granted:
            granted += part
            assert decide(roles=roles | extra, **kw).granted
        committed += part
    mine = [r for r in rules if r.role in roles]
    cap = max((min(r.max_per_complaint, r.max_per_customer_30d) for r in mine), default=ZERO)
    assert granted <= cap
