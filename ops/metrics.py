"""Prometheus metrics: django-prometheus' own plus Redress gauges computed at each scrape.

`RedressCollector` lives in a registry of its own, so its queries run only when /metrics is
scraped, never when something else walks the default registry. Access (`metrics_allowed`): a
bearer token equal to `REDRESS_METRICS_TOKEN`, or a client address in
`REDRESS_METRICS_ALLOWED_IPS`; with neither configured the endpoint does not exist (404).
"""

from __future__ import annotations

import hmac
import ipaddress
import math
import os

import prometheus_client
from django.conf import settings
from django.http import HttpRequest
from prometheus_client import multiprocess
from prometheus_client.core import GaugeMetricFamily

from ops import selectors


class RedressCollector:
    """The figures of `ops.selectors.ops_figures`, as gauges."""

    def collect(self):
        figures = selectors.ops_figures()
        deadlines = GaugeMetricFamily(
            "redress_deadlines",
            "Running (unpaused, not yet met or breached) deadlines by when they fall due: "
            "overdue = due time passed but not yet breached by the sweep; due_soon = within 1 h.",
            labels=["when"],
        )
        deadlines.add_metric(["overdue"], figures.deadlines_overdue)
        deadlines.add_metric(["due_soon"], figures.deadlines_due_soon)
        yield deadlines
        yield GaugeMetricFamily(
            "redress_sweep_last_finished_timestamp_seconds",
            "Unix time the deadline sweep last finished (0: never).",
            value=figures.sweep_last_finished_at.timestamp()
            if figures.sweep_last_finished_at
            else 0.0,
        )
        yield GaugeMetricFamily(
            "redress_sweep_lag_seconds",
            "Seconds since the deadline sweep last finished (+Inf: never).",
            value=math.inf if figures.sweep_lag_seconds is None else figures.sweep_lag_seconds,
        )
        backlog = GaugeMetricFamily(
            "redress_outbox_backlog", "Outbox rows waiting to be sent.", labels=["outbox"]
        )
        oldest = GaugeMetricFamily(
            "redress_outbox_oldest_age_seconds",
            "How long the oldest waiting outbox row has waited (0: none waits).",
            labels=["outbox"],
        )
        for name, value in figures.backlog.items():
            backlog.add_metric([name], value.count)
            oldest.add_metric([name], value.oldest_seconds)
        yield backlog
        yield oldest
        failures = GaugeMetricFamily(
            "redress_delivery_failures",
            "Deliveries given up on (webhook deliveries, staff and customer emails), in total.",
            labels=["channel"],
        )
        for name, value in figures.failures.items():
            failures.add_metric([name], value)
        yield failures


REDRESS_REGISTRY = prometheus_client.CollectorRegistry(auto_describe=False)
REDRESS_REGISTRY.register(RedressCollector())


def exposition() -> bytes:
    """The text a scrape gets: the process's (or, under gunicorn with
    PROMETHEUS_MULTIPROC_DIR, all workers') metrics, then Redress' gauges."""
    if "PROMETHEUS_MULTIPROC_DIR" in os.environ:
        registry = prometheus_client.CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        registry = prometheus_client.REGISTRY
    return prometheus_client.generate_latest(registry) + prometheus_client.generate_latest(
        REDRESS_REGISTRY
    )


def metrics_enabled() -> bool:
    return bool(settings.REDRESS_METRICS_TOKEN or settings.REDRESS_METRICS_ALLOWED_IPS)


def metrics_allowed(request: HttpRequest) -> bool:
    """A matching bearer token, or a REMOTE_ADDR inside an allowed network."""
    token = settings.REDRESS_METRICS_TOKEN
    header = request.headers.get("Authorization", "")
    if token and header.startswith("Bearer "):
        if hmac.compare_digest(header.removeprefix("Bearer ").strip().encode(), token.encode()):
            return True
    try:
        address = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    return any(
        address in ipaddress.ip_network(net, strict=False)
        for net in settings.REDRESS_METRICS_ALLOWED_IPS
    )
