"""Input checks shared by the complaint services: one InvalidDataError lists every bad field.

Pure: no database access, so a refused call has written nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from complaints.models import OUTCOMES_WITH_REASONS, CustomerRequest, Outcome
from core import parsing
from core.errors import InvalidDataError, RuleViolationError

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


MAX_REQUEST_DETAIL = 500


def customer_request_check(check: Checker, customer_request: Any, detail: Any) -> tuple[str, str]:
    """What the customer asks for (a `CustomerRequest` value, or blank: not stated) and their own
    words for it; "other" needs the words, since the kind alone says nothing."""
    customer_request = customer_request or ""
    if customer_request:
        check.choice("customer_request", customer_request, CustomerRequest.values)
    detail = check.text(
        "customer_request_detail", detail, max_length=MAX_REQUEST_DETAIL, required=False
    )
    if customer_request == CustomerRequest.OTHER and not detail and isinstance(detail, str):
        check.add("customer_request_detail", _("Say in the customer's words what they ask for."))
    return customer_request, detail


def outcome_check(check: Checker, outcome: Any, reason: Any) -> tuple[str, str]:
    """The outcome of closing (an `Outcome` value, required) and its reasons (free text)."""
    check.choice("outcome", outcome, Outcome.values)
    reason = check.text("outcome_reason", reason, max_length=MAX_TEXT, required=False)
    return outcome, reason


def outcome_rule(outcome: str, reason: str) -> None:
    """Partly or not upheld needs the reasons: the customer is owed why (a 422, not a 400: the
    input is well-formed, the rule refuses it)."""
    if outcome in OUTCOMES_WITH_REASONS and not reason:
        raise RuleViolationError(
            _(
                "“%(outcome)s” needs the reasons: say what was not upheld and why, so the "
                "customer can understand the decision."
            )
            % {"outcome": Outcome(outcome).label},
            fields={"outcome_reason": [_("Required when the complaint is not fully upheld.")]},
        )


def outcome_validate(*, outcome: Any, outcome_reason: Any) -> tuple[str, str]:
    """Both checks of an outcome, for the services that record one (and for the compensation
    app, which checks before it locks anything): a bad value is a 400, missing reasons a 422."""
    check = Checker()
    outcome, outcome_reason = outcome_check(check, outcome, outcome_reason)
    check.raise_if_any()
    outcome_rule(outcome, outcome_reason)
    return outcome, outcome_reason


def actor_display(actor: Any, label: str | None = None) -> str:
    """How an actor appears in the audit trail and timeline (`label` wins; None is the system)."""
    if label:
        return label
    if actor is None:
        return SYSTEM_LABEL
    return actor.get_full_name() or actor.get_username()


def iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None
