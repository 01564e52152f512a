"""How a compensation request is recorded beyond its own row: its entry in a TransitionLog
payload and its webhook outbox event.

Both are written in the caller's transaction, so a failed write undoes the whole decision and
an event is never published for a request that was not committed.
"""

from __future__ import annotations

from compensation import money
from compensation.models import CompensationRequest
from webhooks.services import outbox_record_many


def _entry(request: CompensationRequest) -> dict:
    """How one request appears in a TransitionLog payload."""
    return {
        "id": request.pk,
        "kind": request.kind,
        "amount": money.as_text(request.amount, request.currency),
        "currency": request.currency,
        "quantity": request.quantity,
        "status": request.status,
        "required_tier": request.required_tier,
        "rule": request.rule_snapshot or None,
        "reason": request.reason,
        "requested_by": request.requested_by_id,
    }


def _publish(event: str, request: CompensationRequest) -> None:
    """Webhook outbox row, in the caller's transaction."""
    outbox_record_many(
        events=[(event, {"complaint_id": request.complaint_id, "request": _entry(request)})]
    )
