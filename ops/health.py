"""Readiness checks: each one answers ok or fail with how long it took, and never raises.

A failing check says which kind of error it met (its class name), not the message: the answer is
served without authentication, and a driver's message may name hosts and users. The whole error
is logged. The sweep check reads `escalation.SweepRun`, which every sweep overwrites; it fails
when the last run finished more than two `REDRESS_SWEEP_INTERVAL`s ago, or never.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable
from typing import Any

from celery import current_app
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.utils import timezone

from ops import selectors

log = logging.getLogger(__name__)
BROKER_TIMEOUT_SECONDS = 2.0


class CheckFailed(Exception):
    """A check that ran but found things wrong (its message is safe to show)."""


def check_database() -> dict[str, Any]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return {}


def check_cache() -> dict[str, Any]:
    key, token = "redress:health", uuid.uuid4().hex
    cache.set(key, token, timeout=30)
    if cache.get(key) != token:
        raise CheckFailed("the cache did not return what was stored")
    return {}


def check_broker() -> dict[str, Any]:
    with current_app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=BROKER_TIMEOUT_SECONDS)
        return {"transport": conn.transport_cls}


def check_sweep() -> dict[str, Any]:
    interval = settings.REDRESS_SWEEP_INTERVAL
    last = selectors.sweep_last_finished_at()
    details: dict[str, Any] = {"max_lag_seconds": 2 * interval}
    if last is None:
        raise CheckFailed("the deadline sweep has not run yet (is beat running?)", details)
    lag = (timezone.now() - last).total_seconds()
    details.update(last_finished_at=last.isoformat(), lag_seconds=round(lag, 3))
    if lag > 2 * interval:
        raise CheckFailed("the deadline sweep has not run for two intervals", details)
    return details


CHECKS: dict[str, Callable[[], dict[str, Any]]] = {
    "database": check_database,
    "cache": check_cache,
    "broker": check_broker,
    "sweep": check_sweep,
}


def run_checks() -> tuple[bool, dict[str, dict[str, Any]]]:
    """Every check, each timed; (all ok, {name: {"status", "seconds", ...}})."""
    results: dict[str, dict[str, Any]] = {}
    for name, check in CHECKS.items():
        started = time.perf_counter()
        try:
            result = {"status": "ok", **check()}
        except CheckFailed as failure:
            result = {"status": "fail", "error": failure.args[0]}
            if len(failure.args) > 1:
                result.update(failure.args[1])
        except Exception as error:  # a health check reports; it never raises
            log.warning("Health check %s failed", name, exc_info=True)
            result = {"status": "fail", "error": type(error).__name__}
        result["seconds"] = round(time.perf_counter() - started, 4)
        results[name] = result
    return all(r["status"] == "ok" for r in results.values()), results
