"""Receivers of complaints' domain events: each one line that calls a service."""

from __future__ import annotations

from typing import Any

from compensation import services


def on_complaint_transitioned(
    sender: Any, *, complaint_id: int, from_state: str, to_state: str, transition: str, **kw: Any
) -> None:
    if from_state == "escalated" and to_state != "escalated":
        services.compensation_withdraw_pending(
            complaint_id=complaint_id, reason=f"the complaint left escalated by {transition}"
        )
