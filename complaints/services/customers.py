"""Customers: one per person, found or created by intake, never changed by it.

Guarantees:
- One customer per email address (case-insensitively) and per non-empty `external_ref`: the
  database refuses a second one (`customer_email_ci_unique`, `customer_external_ref_unique`), and
  `customer_upsert` is race-safe: it inserts inside a savepoint and, when a concurrent intake
  committed the same person first (the unique index makes the insert wait for it, then fail),
  reads that winner (READ COMMITTED sees it) instead of failing or making a second row.
- Intake never overwrites stored contact data. A different phone number, or an `external_ref`
  given for a customer found by email who has none, is not written to the customer: it comes
  back in `CustomerMatch.not_stored` for the caller to show staff. (Attaching the reference would
  let anyone who knows an email address claim that customer.)
- An `external_ref` that belongs to a customer with another email address, or that another
  integration registered (`Customer.owner`), and an email address whose customer is registered
  under another `external_ref`, are conflicts (409) that say what to do; no complaint is filed.
- A customer created by an integration with an `external_ref` is owned by that integration; a
  staff actor never becomes an owner.

Imports only complaints models, `core` and Django.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import BooleanField, ExpressionWrapper, Q
from django.utils.translation import gettext as _

from complaints.models import Customer
from core import roles
from core.errors import ConflictError

_NOT_DIALLED = re.compile(r"[^\d+]")


@dataclass(frozen=True)
class CustomerMatch:
    customer: Customer
    created: bool
    # What the caller gave that differs from the stored customer and was not stored, by field
    # (`phone`, `external_ref`): for the staff to see, never applied silently.
    not_stored: dict[str, str] = field(default_factory=dict)


def _same_phone(a: str, b: str) -> bool:
    """Spacing and punctuation are not another number (text without digits compares as is)."""
    dialled_a, dialled_b = _NOT_DIALLED.sub("", a), _NOT_DIALLED.sub("", b)
    if dialled_a or dialled_b:
        return dialled_a == dialled_b
    return a == b


def _registering_integration(actor: Any) -> Any:
    """The integration that registers an external_ref it files with; staff never own one."""
    if roles.is_integration(actor) and not roles.is_agent(actor):
        return actor
    return None


def _conflict(message: str) -> ConflictError:
    return ConflictError(message, fields={"customer.external_ref": [message]})


def _candidates(*, email: str, external_ref: str) -> list[Customer]:
    """The customer with this email and the one with this external_ref (the same row, two, or
    none) in one query; `email_match` is the database's own case-insensitive comparison, the one
    its unique index enforces."""
    wanted = Q(email__iexact=email)
    if external_ref:
        wanted |= Q(external_ref=external_ref)
    return list(
        Customer.objects.filter(wanted)
        .annotate(
            email_match=ExpressionWrapper(Q(email__iexact=email), output_field=BooleanField())
        )
        .order_by("pk")
    )


def _match(
    rows: list[Customer], *, email: str, phone: str, external_ref: str, actor: Any
) -> CustomerMatch | None:
    by_ref = next((c for c in rows if external_ref and c.external_ref == external_ref), None)
    by_email = next((c for c in rows if c.email_match), None)
    not_stored: dict[str, str] = {}
    if by_ref is not None:
        if not by_ref.email_match:
            message = _(
                "This external_ref belongs to a customer with a different email address. Send "
                "the email address registered with this reference, or leave external_ref out "
                "to file the complaint under the email address alone."
            )
            raise _conflict(message)
        integration = _registering_integration(actor)
        if by_ref.owner_id and integration is not None and by_ref.owner_id != integration.pk:
            message = _(
                "This external_ref was registered by another integration. Send your own "
                "reference for this customer, or leave external_ref out."
            )
            raise _conflict(message)
        customer = by_ref
    elif by_email is not None:
        customer = by_email
        if external_ref:
            if customer.external_ref:
                message = _(
                    "The customer with this email address is registered under a different "
                    "external_ref. Send that reference, or leave external_ref out; a team lead "
                    "can correct the stored reference if it is wrong."
                )
                raise _conflict(message)
            not_stored["external_ref"] = external_ref
    else:
        return None
    if phone and not _same_phone(phone, customer.phone):
        not_stored["phone"] = phone
    return CustomerMatch(customer=customer, created=False, not_stored=not_stored)


@transaction.atomic
def customer_upsert(
    *,
    name: str,
    email: str,
    phone: str = "",
    external_ref: str = "",
    language: str = "",
    actor: Any = None,
) -> CustomerMatch:
    """The customer with this email or external_ref, or a new one; input already checked.

    `language` is stored for a new customer only, like the rest of the contact data.
    Found: returned unchanged (see the module's rules for what conflicts and what is reported in
    `not_stored`). Not found: inserted in a savepoint; if a concurrent intake inserted the same
    person first, that customer is read and judged by the same rules.
    """
    found = _match(
        _candidates(email=email, external_ref=external_ref),
        email=email,
        phone=phone,
        external_ref=external_ref,
        actor=actor,
    )
    if found is not None:
        return found
    owner = _registering_integration(actor) if external_ref else None
    try:
        with transaction.atomic():
            customer = Customer.objects.create(
                name=name,
                email=email,
                phone=phone,
                external_ref=external_ref,
                language=language,
                owner=owner,
            )
    except IntegrityError:
        # Lost the race for this email or reference: the winner has committed (our insert
        # waited for it on the unique index), so this read sees it.
        winner = _match(
            _candidates(email=email, external_ref=external_ref),
            email=email,
            phone=phone,
            external_ref=external_ref,
            actor=actor,
        )
        if winner is None:
            raise
        return winner
    return CustomerMatch(customer=customer, created=True)
