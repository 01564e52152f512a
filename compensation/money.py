"""Money input: ISO-4217 currencies, their minor-unit precision, and amount parsing.

Invariant: every amount that reaches the decision function or the database went through
`parse_amount` — a finite `Decimal` (never a float), no more decimals than the currency has,
within `MAX_AMOUNT`. Text is parsed by `core.parsing` (the same strict rules as the API's and
the admin's fields: ASCII digits, no exponent, upper-case codes). Pure: no database access, no
project imports beyond core.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from core import parsing
from core.currencies import CURRENCY_DECIMALS

# ISO-4217 minor units of the currencies we accept: the one table lives in core, so the API's and
# the admin's fields read it too.
CURRENCY_PRECISION: dict[str, int] = CURRENCY_DECIMALS
DEFAULT_CURRENCY = "EUR"
# Nothing a complaint desk hands out comes near this; larger is a typo or an attack.
MAX_AMOUNT = Decimal("1000000")
# Database columns: up to 12 integer digits and 3 decimals (BHD, KWD, ...).
MAX_DIGITS = 15
DECIMAL_PLACES = 3


class AmountError(ValueError):
    """A field-level message for an amount or currency that cannot be used."""


def precision(currency: str) -> int:
    try:
        return parsing.currency_decimals(currency=currency)
    except parsing.InputError as e:
        raise AmountError(e.message) from None


def parse_currency(value: Any) -> str:
    try:
        return parsing.currency_parse(text=value)
    except parsing.InputError as e:
        raise AmountError(e.message) from None


def parse_amount(value: Any, currency: str, *, allow_zero: bool) -> Decimal:
    """`value` as a Decimal in `currency`; raises AmountError with a human message.

    Text goes through `core.parsing.amount_parse`; a Decimal or int (already parsed by a field)
    is checked the same way for places and range."""
    places = precision(currency)
    if isinstance(value, bool) or isinstance(value, float):
        raise AmountError(_("Send the amount as text or a Decimal, never as a float."))
    try:
        if isinstance(value, str):
            value = parsing.amount_parse(text=value, decimals=places)
        elif isinstance(value, int):
            value = Decimal(value)
        elif not isinstance(value, Decimal):
            raise AmountError(_("Send the amount as a decimal number, e.g. 12.50."))
        if not value.is_finite():
            raise AmountError(_("Send a finite amount, e.g. 12.50."))
        value = parsing.amount_fit(amount=value, decimals=places)
    except parsing.InputError as e:
        raise AmountError(e.message) from None
    if value < 0:
        raise AmountError(_("Send the amount without a sign: compensation is never negative."))
    if value == 0 and not allow_zero:
        raise AmountError(_("This kind of compensation needs an amount above zero."))
    if value > MAX_AMOUNT:
        raise AmountError(
            _("The amount must not exceed %(max)s: check it for a typo.") % {"max": MAX_AMOUNT}
        )
    return value.quantize(Decimal(1).scaleb(-places))


def as_text(amount: Decimal, currency: str) -> str:
    """`amount` with exactly the currency's decimals, as stored in logs and snapshots."""
    places = CURRENCY_PRECISION.get(currency, 2)
    return str(amount.quantize(Decimal(1).scaleb(-places)))


def format_money(amount: Decimal, currency: str) -> str:
    return f"{as_text(amount, currency)} {currency}"
