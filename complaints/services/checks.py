"""Input checks shared by the complaint services: one InvalidDataError lists every bad field.

Pure: no database access, so a refused call has written nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from core import parsing
from core.errors import InvalidDataError

SYSTEM_LABEL = "system"
MAX_TEXT = 10_000
MAX_LINE = 200


class Checker:
    """Collects field errors so one InvalidDataError reports all of them."""

    def __init__(self) -> None:
        self.errors: dict[str, list[str]] = {}

    def add(self, field: str, message: str) -> None:
        self.errors.setdefault(field, []).append(message)

    def text(self, field: str, value: Any, *, max_length: int, required: bool = True) -> str:
        if value is None:
            value = ""
        if not isinstance(value, str):
            self.add(field, _("Must be text."))
            return ""
        value = value.strip()
        if required and not value:
            self.add(field, _("This field is required."))
        elif len(value) > max_length:
            self.add(field, _("At most %(max)d characters.") % {"max": max_length})
        elif "\x00" in value:
            self.add(field, _("Must not contain NUL characters."))
        elif value:
            # The API's and the admin's fields refuse this already; any other door (a command,
            # a mail gateway) meets the same rule here.
            try:
                parsing.text_clean(text=value)
            except parsing.InputError as error:
                self.add(field, error.message)
        return value

    def choice(self, field: str, value: Any, choices: Iterable[str]) -> str:
        allowed = list(choices)
        if value not in allowed:
            self.add(field, _("Must be one of: %(choices)s.") % {"choices": ", ".join(allowed)})
            return ""
        return value

    def future(self, field: str, value: Any, *, required: bool = True) -> None:
        if value is None and not required:
            return
        if not isinstance(value, datetime) or timezone.is_naive(value):
            self.add(field, _("A date and time with a time zone is required."))
        elif value <= timezone.now():
            self.add(field, _("Must lie in the future."))

    def raise_if_any(self) -> None:
        if self.errors:
            raise InvalidDataError(fields=self.errors)


def actor_display(actor: Any, label: str | None = None) -> str:
    """How an actor appears in the audit trail and timeline (`label` wins; None is the system)."""
    if label:
        return label
    if actor is None:
        return SYSTEM_LABEL
    return actor.get_full_name() or actor.get_username()


def iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None
