"""How a compensation request is recorded beyond its own row: its entry in a TransitionLog
payload and its webhook outbox event.

Both are written in the caller's transaction, so a failed write undoes the whole decision and
an event is never published for a request that was not committed. An event's customer-safe view
(for the integrations the complaint concerns) is only what was given: kind, amount, currency,
quantity of a granted or approved request; a pending or rejected one is staff business (no
view). Notes, rules, reasons and requesters never leave in it.
"""

from __future__ import annotations

from typing import Any

from compensation import money
from compensation.models import GIVEN_STATUSES, CompensationRequest
from complaints import services as complaint_services
from webhooks.services import outbox_record_many


def _entry(request: CompensationRequest) -> dict:
    """How one request appears in a TransitionLog payload."""
    return {
        "id": request.pk,
        "kind": request.kind,
        "amount": money.as_text(request.amount, request.currency),
        "currency": request.currency,
        "quantity": request.quantity,
        "nature": request.nature,
        "status": request.status,
        "required_tier": request.required_tier,
        "rule": request.rule_snapshot or None,
        "reason": request.reason,
        "requested_by": request.requested_by_id,
    }


def granted_item(request: CompensationRequest) -> dict:
    """What the customer may see of a given request."""
    return {
        "kind": request.kind,
        "amount": money.as_text(request.amount, request.currency),
        "currency": request.currency,
        "quantity": request.quantity,
    }


def _publish(event: str, request: CompensationRequest, complaint: Any = None) -> None:
    """Webhook outbox row, in the caller's transaction; with the (locked) `complaint`, the
    customer-safe view of a given request for the integrations it concerns."""
    payload = {"complaint_id": request.complaint_id, "request": _entry(request)}
    public, audience = None, []
    if complaint is not None and request.status in GIVEN_STATUSES:
        public = {
            "complaint_id": request.complaint_id,
            "reference": complaint.reference,
            "granted": [granted_item(request)],
        }
        audience = complaint_services.complaint_event_audience(complaint)
    outbox_record_many(events=[(event, payload, public, audience)])
