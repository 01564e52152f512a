"""Write services of the compensation app: remedy with compensation, request, approve, reject,
and authority-rule edits, one module per seam:

- `remedy`: remedy with compensation and a standalone request; beyond authority, escalation.
- `decisions`: approve, reject, and withdrawing requests that can no longer be decided.
- `rules`: authority-rule edits and their change log.
- `limits`: what a decision reads (rules, currencies, committed totals, the customer lock).
- `items`: input checks (compensation items, free text).
- `records`: a request's TransitionLog entry and webhook outbox event.

Invariants kept here and nowhere else:
- A compensation decision and the complaint transition it causes commit together: every service
  locks the complaint row first (then the request rows), decides with the pure
  `compensation.decision.decide`, writes the requests, and calls the one complaints service for
  the transition (`complaint_remedy`, `complaint_escalate`, `complaint_approve`,
  `complaint_return`) inside the same transaction. A refusal raises a DomainError, writes nothing.
- Limits count everything committed (granted, approved and pending) of the same kind and
  currency on the complaint and to the customer in the last 30 days, so splitting does not work.
- Nobody approves their own request (four eyes); two deciders at once: one wins, the other
  gets a ConflictError.
- Every decision is logged with its rule: on the request row and in the TransitionLog payload.
Lock order is always complaint, then its customer, then its requests, so concurrent deciders
cannot deadlock.

Callers import from this package. A test that patches a private helper patches the module that
looks it up (e.g. `remedy._committed`), not this one. Imports compensation's own modules,
escalation, complaints, webhooks and core; nothing but config and tests imports compensation.
"""

from compensation.services.decisions import (
    compensation_approve,
    compensation_reject,
    compensation_withdraw_pending,
    complaint_compensation_approve,
    complaint_compensation_reject,
)
from compensation.services.items import (
    MAX_ITEMS,
    MAX_LINE,
    MAX_NOTE,
    MAX_QUANTITY,
    MAX_TEXT,
    Item,
    compensation_items_parse,
)
from compensation.services.limits import WINDOW, Key
from compensation.services.merge import compensation_merge, compensation_merge_check
from compensation.services.remedy import (
    APPROVAL_REQUIRED,
    RemedyOutcome,
    compensation_request,
    complaint_remedy_with_compensation,
)
from compensation.services.rules import RULE_FIELDS, authority_rule_save

__all__ = [
    "compensation_merge",
    "compensation_merge_check",
    "APPROVAL_REQUIRED",
    "MAX_ITEMS",
    "MAX_LINE",
    "MAX_NOTE",
    "MAX_QUANTITY",
    "MAX_TEXT",
    "RULE_FIELDS",
    "WINDOW",
    "Item",
    "Key",
    "RemedyOutcome",
    "authority_rule_save",
    "compensation_approve",
    "compensation_items_parse",
    "compensation_reject",
    "compensation_request",
    "compensation_withdraw_pending",
    "complaint_compensation_approve",
    "complaint_compensation_reject",
    "complaint_remedy_with_compensation",
]
