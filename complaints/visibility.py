"""Whose complaints a caller may see: staff see every complaint, an integration only its own.

An integration's own complaints are those it filed (`Complaint.filed_by`) and those of the
customers it owns (`Customer.owner`, the integration that registered their `external_ref`).
Anyone else sees none. The selectors narrow their querysets with `complaints_visible`; the write
paths an integration can reach (messages, reopen) check `complaint_hidden_from` on the locked row.
A complaint a caller may not see does not exist for it: callers answer 404, never 403, so ids
do not leak. Imports only complaints' models and core.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from complaints.models import Complaint, Customer
from core import roles


def complaints_visible(queryset: QuerySet[Complaint], *, user: Any) -> QuerySet[Complaint]:
    """`queryset` narrowed to what `user` may see."""
    if roles.is_agent(user):
        return queryset
    if roles.is_integration(user):
        return queryset.filter(Q(filed_by_id=user.pk) | Q(customer__owner_id=user.pk))
    return queryset.none()


def complaint_visible(complaint: Complaint, *, user: Any) -> bool:
    """Whether `user` may see `complaint` (staff: no query; an integration: at most one)."""
    if user is None or roles.is_agent(user):
        return True  # None is the system
    if not roles.is_integration(user):
        return False
    if complaint.filed_by_id == user.pk:
        return True
    if "customer" in complaint._state.fields_cache:
        return complaint.customer.owner_id == user.pk
    return Customer.objects.filter(pk=complaint.customer_id, owner_id=user.pk).exists()


def complaint_hidden_from(complaint: Complaint, *, user: Any) -> bool:
    """For the write paths: an integration acting on a complaint that is not its own (answered
    as "no such complaint"). Anyone else passes here and meets the role checks as before."""
    return (
        user is not None
        and roles.is_integration(user)
        and not complaint_visible(complaint, user=user)
    )


def complaint_audience(*, filed_by_id: int | None, owner_id: int | None) -> list[int]:
    """The integration users an event about a complaint concerns (for `OutboxEvent.audience`):
    its filer and its customer's owner, without blanks. Staff filers are harmless here: only
    integration subscriptions are ever given the public view."""
    return sorted({i for i in (filed_by_id, owner_id) if i is not None})
