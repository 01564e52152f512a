"""Input checks of the compensation services: compensation items and free text.

Pure parsing, no database. One InvalidDataError lists every fault at once, with field names as
staff read them (`items.<n>.<field>`, n counted from 1), so a refused input writes nothing.
Amounts and currencies are parsed by `compensation.money`, kinds come from `compensation.decision`.
Must not import the other modules of this package (they import it).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from compensation import decision, money
from complaints import services as complaint_services
from core import parsing
from core.errors import InvalidDataError

MAX_ITEMS = 10
MAX_QUANTITY = 1000
MAX_NOTE = 500
MAX_TEXT = complaint_services.MAX_TEXT
MAX_LINE = complaint_services.MAX_LINE


@dataclass(frozen=True)
class Item:
    """One compensation item, already validated."""

    kind: str
    amount: Decimal
    currency: str = money.DEFAULT_CURRENCY
    quantity: int = 1
    note: str = ""
    # Redress or goodwill; blank when parsed means the kind's default (`decision.DEFAULT_NATURE`).
    nature: str = ""


def compensation_items_parse(items: Iterable[Mapping[str, Any] | Item]) -> list[Item]:
    """Validate raw items (dicts from a form or the API); one InvalidDataError lists all faults.

    Field names are `items.<n>.<field>` with n counted from 1, as staff read them.
    """
    errors: dict[str, list[str]] = {}
    parsed: list[Item] = []
    raw_items = list(items)
    if len(raw_items) > MAX_ITEMS:
        raise InvalidDataError(
            _("A remedy has at most %(max)d compensation items: combine or drop some.")
            % {"max": MAX_ITEMS},
            fields={"items": [_("At most %(max)d items.") % {"max": MAX_ITEMS}]},
        )
    for n, raw in enumerate(raw_items, start=1):
        if isinstance(raw, Item):
            raw = raw.__dict__
        if not isinstance(raw, Mapping):
            errors.setdefault(f"items.{n}", []).append(_("Must be an object."))
            continue
        bad = lambda name, msg, n=n: errors.setdefault(f"items.{n}.{name}", []).append(msg)  # noqa: E731
        kind = raw.get("kind")
        if kind not in decision.KINDS:
            bad("kind", _("Must be one of: %(choices)s.") % {"choices": ", ".join(decision.KINDS)})
        currency = ""
        try:
            currency = money.parse_currency(raw.get("currency", money.DEFAULT_CURRENCY))
        except money.AmountError as e:
            bad("currency", str(e))
        amount = Decimal(0)
        if currency:
            try:
                amount = money.parse_amount(
                    raw.get("amount"), currency, allow_zero=kind not in decision.MONEY_KINDS
                )
            except money.AmountError as e:
                bad("amount", str(e))
        quantity = raw.get("quantity", 1)
        if quantity is None:
            quantity = 1
        if isinstance(quantity, bool) or not isinstance(quantity, int):
            bad("quantity", _("Must be a whole number."))
        elif not 1 <= quantity <= MAX_QUANTITY:
            bad("quantity", _("Must be between 1 and %(max)d.") % {"max": MAX_QUANTITY})
        note = raw.get("note", "") or ""
        if not isinstance(note, str):
            bad("note", _("Must be text."))
        elif len(note) > MAX_NOTE or "\x00" in note:
            bad("note", _("At most %(max)d characters, no NUL bytes.") % {"max": MAX_NOTE})
        elif note.strip():
            try:
                parsing.text_clean(text=note)
            except parsing.InputError as error:
                bad("note", error.message)
        nature = raw.get("nature") or decision.DEFAULT_NATURE.get(kind, decision.REDRESS)
        if nature not in decision.NATURES:
            bad(
                "nature",
                _("Must be one of: %(choices)s.") % {"choices": ", ".join(decision.NATURES)},
            )
        if not any(key.startswith(f"items.{n}.") for key in errors):
            parsed.append(Item(kind, amount, currency, quantity, note.strip(), nature))
    if errors:
        raise InvalidDataError(
            _("Some compensation items are invalid, so nothing was written: correct them."),
            fields=errors,
        )
    return parsed


def _text(errors: dict, name: str, value: Any, *, max_length: int, required: bool) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        errors.setdefault(name, []).append(_("Must be text."))
        return ""
    value = value.strip()
    if required and not value:
        errors.setdefault(name, []).append(_("This field is required."))
    elif len(value) > max_length or "\x00" in value:
        errors.setdefault(name, []).append(
            _("At most %(max)d characters, no NUL bytes.") % {"max": max_length}
        )
    elif value:
        try:  # as the API's and the admin's fields parse it (`core.parsing`)
            parsing.text_clean(text=value)
        except parsing.InputError as error:
            errors.setdefault(name, []).append(error.message)
    return value
