"""Template filters naming stored compensation codes in the reader's language.

Snapshots and aggregates keep the raw code (`refund`), so templates translate it on display.
"""

from django import template
from django.core.exceptions import FieldDoesNotExist

from compensation.models import AuthorityRule, Kind
from core import roles

register = template.Library()


@register.filter
def kind_label(value: str) -> str:
    """'refund' → 'Refund' (or 退款); an unknown code is shown as it is."""
    try:
        return str(Kind(value).label)
    except ValueError:
        return value


@register.filter
def limit_label(value: str) -> str:
    """'max_per_grant' → 'max per grant' (or 单次上限): the limit a rule stopped a request at."""
    try:
        return str(AuthorityRule._meta.get_field(value).verbose_name)
    except FieldDoesNotExist:
        return value


@register.filter
def tier_label(value: str) -> str:
    """'team_lead' → 'team lead' (or 组长): the role of an authority rule."""
    return roles.tier_name(value)
