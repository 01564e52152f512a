"""Authority-rule edits: who may grant how much of what, per role and kind.

Invariants kept here: only managers and superusers change rules; one rule per role and kind;
every change that alters a rule is logged as an `AuthorityRuleChange` with its state before and
after, in the same transaction as the edit.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from compensation import decision, money, permissions
from compensation.models import AuthorityRule, AuthorityRuleChange
from compensation.services.items import _text
from complaints import services as complaint_services
from core import roles
from core.errors import InvalidDataError, NotFoundError, NotPermittedError, RuleViolationError

RULE_FIELDS = ("role", "kind", "max_per_grant", "max_per_complaint", "max_per_customer_30d")


def _rule_state(rule: AuthorityRule) -> dict:
    return {
        "role": rule.role,
        "kind": rule.kind,
        "max_per_grant": money.as_text(rule.max_per_grant, rule.currency),
        "max_per_complaint": money.as_text(rule.max_per_complaint, rule.currency),
        "max_per_customer_30d": money.as_text(rule.max_per_customer_30d, rule.currency),
        "currency": rule.currency,
    }


def authority_rule_save(
    *, actor: Any, data: Mapping[str, Any], rule_id: int | None = None
) -> AuthorityRule:
    """Create or change an authority rule (managers and superusers only); every edit is logged."""
    if not permissions.can_edit_rules(roles.user_rank(actor)):
        raise NotPermittedError(
            _("Only a manager can change authority rules: ask a manager to make the change.")
        )
    errors: dict[str, list[str]] = {}
    role = _text(errors, "role", data.get("role"), max_length=150, required=True)
    kind = data.get("kind")
    if kind not in decision.KINDS:
        errors.setdefault("kind", []).append(
            _("Must be one of: %(choices)s.") % {"choices": ", ".join(decision.KINDS)}
        )
    currency = ""
    try:
        currency = money.parse_currency(data.get("currency", money.DEFAULT_CURRENCY))
    except money.AmountError as e:
        errors.setdefault("currency", []).append(str(e))
    limits: dict[str, Decimal] = {}
    for name in decision.LIMITS:
        if not currency:
            break
        try:
            limits[name] = money.parse_amount(data.get(name), currency, allow_zero=True)
        except money.AmountError as e:
            errors.setdefault(name, []).append(str(e))
    if errors:
        raise InvalidDataError(fields=errors)
    with transaction.atomic():
        if rule_id is None:
            rule = AuthorityRule(role=role, kind=kind)
            before: dict = {}
        else:
            try:
                rule = AuthorityRule.objects.select_for_update().get(pk=rule_id)
            except AuthorityRule.DoesNotExist:
                raise NotFoundError(
                    _("There is no authority rule with this id: reload the list of rules.")
                ) from None
            before = _rule_state(rule)
        clash = AuthorityRule.objects.filter(role=role, kind=kind).exclude(pk=rule.pk)
        if clash.exists():
            raise RuleViolationError(
                _("There is already a rule for %(role)s × %(kind)s: change that one instead.")
                % {"role": role, "kind": kind},
                fields={"kind": [_("Duplicate role and kind.")]},
            )
        rule.role, rule.kind, rule.currency = role, kind, currency
        for name, value in limits.items():
            setattr(rule, name, value)
        rule.updated_at = timezone.now()
        rule.save()
        after = _rule_state(rule)
        if after != before:
            AuthorityRuleChange.objects.create(
                rule=rule,
                action="created" if not before else "changed",
                actor=actor,
                actor_label=complaint_services.actor_display(actor),
                before=before,
                after=after,
            )
    return rule
