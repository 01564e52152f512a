"""The one sanctioned way to change an audit row: a narrow, logged redaction of text columns.

Audit rows (TransitionLog, the compensation decision log, the authority-rule change log) are
append-only; the only change ever made to one is removing personal text from it when a customer
is anonymised. `audit_redact` is that door: it replaces the named text (or JSON) columns of one
row and logs what it did (never the removed text itself).

This is the minimal version of the privacy branch: a plain UPDATE of those fields that bypasses
the models' append-only guards, and a log record. The audit branch hardens it (PostgreSQL
triggers refuse any other UPDATE, and the redaction is recorded in its own append-only table);
at merge its version replaces this one, with the same signature. Imports no app.
"""

from __future__ import annotations

import logging
from typing import Any

from django.db import models, transaction

log = logging.getLogger("redress.audit")


def audit_redact(*, model: type[models.Model], pk: Any, fields: dict[str, str], reason: str) -> int:
    """Replace `fields` (column name → new value) of row `pk` of `model`; returns rows changed
    (0 when the row is gone). Only text and JSON columns may be redacted."""
    if not fields:
        return 0
    for name in fields:
        field = model._meta.get_field(name)
        if not isinstance(field, (models.CharField, models.TextField, models.JSONField)):
            raise ValueError(f"{model.__name__}.{name} is not a text column; it is never redacted")
    with transaction.atomic():
        # `_base_manager` is a plain manager: the append-only querysets refuse `update()`.
        changed = model._base_manager.filter(pk=pk).update(**fields)
    log.info(
        "audit redaction: %s %s fields %s (%s)",
        model._meta.label,
        pk,
        sorted(fields),
        reason,
    )
    return changed
