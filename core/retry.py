"""How long to wait before trying again: exponential backoff, shared by every outbox sender
(webhook deliveries, customer mail). Pure; imports nothing of the project."""

from __future__ import annotations

from datetime import timedelta


def backoff_delay(*, attempts: int, base_seconds: float, cap_seconds: float) -> timedelta:
    """`base_seconds` after the first attempt, doubling with each further one, at most
    `cap_seconds`."""
    return timedelta(seconds=min(base_seconds * 2 ** max(attempts - 1, 0), cap_seconds))
