"""Audit rows are append-only; a logged redaction of named text columns is the one way to change
them.

What this module guarantees, for every model built from `AppendOnlyModel` (TransitionLog, the
authority-rule change log, the redaction log itself) and for `audit_triggers` tables:
- Through the ORM: `save()` of a row that exists (loaded, or a new instance carrying the primary
  key of a stored row), `delete()`, queryset `update()`/`delete()`, `bulk_update()` and bulk
  upserts (`bulk_create(update_conflicts=True)` or with `update_fields`) raise
  `AppendOnlyError`. Inserting new rows (one or in bulk) works as before.
- On PostgreSQL, triggers (django-pgtrigger) refuse UPDATE, DELETE and TRUNCATE whoever sends
  them (raw SQL included). An UPDATE passes only while `redress.audit_redaction` is `on` in the
  transaction and changes nothing but the table's declared redactable columns: the trigger
  compares the whole old and new row minus those columns, so identity, state, amounts, times and
  foreign keys cannot move even then.
- `audit_redaction(reason=...)` opens that window (a transaction, `SET LOCAL`, closed again on
  exit); `audit_redact(...)` uses it to replace named text columns of one row and writes an
  `AuditRedaction` row (who, when, which row, which columns — never the old values) in the same
  transaction. It is what anonymisation calls; nothing else should.

What this does not guard against: a database role that may disable triggers or set the
`redress.audit_redaction` / `pgtrigger.ignore` variables itself can get past the triggers; give
the application a role that does not own the tables when that matters.
This module imports no app of the project.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator
from typing import Any

import pgtrigger
from django.apps import apps
from django.db import connections, models, router, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import InvalidDataError, NotFoundError

REDACTION_SETTING = "redress.audit_redaction"

# The reason of the redaction window open in this context (None: no window).
_redaction: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "redress_audit_redaction", default=None
)


class AppendOnlyError(Exception):
    """Raised on any attempt to change or delete an audit row outside a redaction."""


def redaction_active() -> bool:
    return _redaction.get() is not None


def _refuse(model: type[models.Model], what: str) -> AppendOnlyError:
    return AppendOnlyError(f"{model._meta.object_name} rows are append-only: {what} refused")


def _redactable(model: type[models.Model]) -> frozenset[str]:
    return frozenset(getattr(model, "AUDIT_REDACTABLE", ()))


def _only_redactable(model: type[models.Model], names: Any) -> bool:
    names = set(names or ())
    return bool(names) and redaction_active() and names <= _redactable(model)


class AppendOnlyQuerySet(models.QuerySet):
    """Inserts only; `update()` of redactable fields inside `audit_redaction` is the exception."""

    def update(self, **kwargs):
        if not _only_redactable(self.model, kwargs):
            raise _refuse(self.model, "update")
        return super().update(**kwargs)

    def delete(self):
        raise _refuse(self.model, "delete")

    def bulk_update(self, objs, fields, batch_size=None):
        raise _refuse(self.model, "bulk_update")

    def bulk_create(self, objs, *args, **kwargs):
        if kwargs.get("update_conflicts") or kwargs.get("update_fields"):
            raise _refuse(self.model, "bulk upsert")
        objs = list(objs)
        given = [o.pk for o in objs if o.pk is not None]
        if given and self.model._base_manager.filter(pk__in=given).exists():
            raise _refuse(self.model, "bulk_create over an existing row")
        return super().bulk_create(objs, *args, **kwargs)


class AppendOnlyModel(models.Model):
    """Base of audit models. `AUDIT_REDACTABLE` names the text columns a redaction may replace."""

    AUDIT_REDACTABLE: tuple[str, ...] = ()

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True
        # Related-object access and deletion collectors use the base manager: guard it too.
        base_manager_name = "objects"

    def save(self, *args, **kwargs) -> None:
        model = type(self)
        if not self._state.adding:
            if _only_redactable(model, kwargs.get("update_fields")):
                return super().save(*args, **kwargs)
            raise _refuse(model, "save of a stored row")
        if self.pk is not None:
            # A new instance carrying a stored row's key would UPDATE that row.
            if model._base_manager.using(kwargs.get("using")).filter(pk=self.pk).exists():
                raise _refuse(model, "save over an existing row")
            kwargs["force_insert"] = True
        return super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise _refuse(type(self), "delete")


# --- PostgreSQL triggers ------------------------------------------------------------------------

_RAISE = (
    "RAISE EXCEPTION 'redress: % rows are append-only (% refused)', TG_TABLE_NAME, TG_OP "
    "USING ERRCODE = 'insufficient_privilege';"
)


def _sql_array(columns: tuple[str, ...]) -> str:
    return "ARRAY[" + ",".join(f"'{c}'" for c in columns) + "]::text[]"


def audit_triggers(
    *,
    redactable: tuple[str, ...],
    movable: tuple[str, ...] = (),
    open_while: str = "",
) -> list[pgtrigger.Trigger]:
    """The triggers of one audit table (for `Meta.triggers`): DELETE and TRUNCATE refused;
    UPDATE refused unless it changes only `redactable` columns inside a redaction.

    `movable`: columns that may change without a redaction (a row re-pointed by a merge).
    `open_while`: an SQL condition on OLD under which the row is not yet audit (a compensation
    request still pending may be decided); empty means always audit.
    """
    # to_jsonb(row) - columns: the whole row except the columns allowed to change.
    unchanged = "(to_jsonb(NEW) - {cols}) = (to_jsonb(OLD) - {cols})"
    func = ""
    if open_while:
        func += f"IF {open_while} THEN RETURN NEW; END IF;\n"
    if movable:
        func += f"IF {unchanged.format(cols=_sql_array(movable))} THEN RETURN NEW; END IF;\n"
    func += (
        f"IF current_setting('{REDACTION_SETTING}', true) = 'on' AND "
        f"{unchanged.format(cols=_sql_array((*redactable, *movable)))} THEN RETURN NEW; END IF;\n"
        f"{_RAISE}"
    )
    return [
        pgtrigger.Trigger(
            name="audit_update",
            operation=pgtrigger.Update,
            when=pgtrigger.Before,
            func=pgtrigger.Func(func.replace("{", "{{").replace("}", "}}")),
        ),
        pgtrigger.Trigger(
            name="audit_delete",
            operation=pgtrigger.Delete,
            when=pgtrigger.Before,
            func=pgtrigger.Func(_RAISE),
        ),
        pgtrigger.Trigger(
            name="audit_truncate",
            operation=pgtrigger.Truncate,
            when=pgtrigger.Before,
            level=pgtrigger.Statement,
            func=pgtrigger.Func(_RAISE),
        ),
    ]


# --- the sanctioned path -----------------------------------------------------------------------


@contextlib.contextmanager
def audit_redaction(*, reason: str, using: str = "default") -> Iterator[None]:
    """A transaction in which audit rows may have their redactable text columns replaced."""
    if not reason or not reason.strip():
        raise InvalidDataError(fields={"reason": [_("Say why this is redacted.")]})
    with transaction.atomic(using=using):
        connection = connections[using]
        postgres = connection.vendor == "postgresql"
        token = _redaction.set(reason)
        try:
            if postgres:
                with connection.cursor() as cursor:
                    cursor.execute(f"SET LOCAL {REDACTION_SETTING} = 'on'")
            yield
            if postgres:
                # SET LOCAL lasts to the end of the outermost transaction: close the window
                # now. (On an error the savepoint's rollback undoes the SET LOCAL itself.)
                with connection.cursor() as cursor:
                    cursor.execute(f"SET LOCAL {REDACTION_SETTING} = 'off'")
        finally:
            _redaction.reset(token)


def _actor_label(actor: Any) -> str:
    if actor is None:
        return "system"
    return getattr(actor, "get_username", lambda: str(actor))()


def audit_redact(
    *,
    model: type[models.Model] | str,
    pk: Any,
    fields: dict[str, Any],
    reason: str,
    actor: Any = None,
) -> Any:
    """Replace the named redactable columns of one audit row and log that it was done.

    `model` is the class or its label (`complaints.TransitionLog`); `fields` maps column to its
    replacement (a string for text columns, the replacement document for a JSON column). Refuses
    (InvalidDataError) a column the model does not declare redactable; NotFoundError if the row
    does not exist. Returns the `AuditRedaction` row. Never records the old values.
    """
    if isinstance(model, str):
        model = apps.get_model(model)
    allowed = _redactable(model)
    bad = sorted(set(fields) - allowed)
    if not fields or bad:
        raise InvalidDataError(
            fields={
                "fields": [
                    _("Only these columns of %(table)s may be redacted: %(allowed)s.")
                    % {"table": model._meta.label, "allowed": ", ".join(sorted(allowed)) or "—"}
                ]
            }
        )
    AuditRedaction = apps.get_model("core", "AuditRedaction")
    using = router.db_for_write(model)
    with audit_redaction(reason=reason, using=using):
        changed = model._base_manager.db_manager(using).filter(pk=pk)
        if not changed.select_for_update().exists():
            raise NotFoundError(
                _("There is no row %(pk)s in %(table)s to redact.")
                % {"pk": pk, "table": model._meta.label}
            )
        changed.update(**fields)
        return AuditRedaction.objects.using(using).create(
            model=model._meta.label,
            object_pk=str(pk),
            fields=sorted(fields),
            reason=reason,
            actor=actor,
            actor_label=_actor_label(actor),
            created_at=timezone.now(),
        )
