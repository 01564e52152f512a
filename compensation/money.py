"""Money input: ISO-4217 currencies, their minor-unit precision, and amount parsing.

Invariant: every amount that reaches the decision function or the database went through
`parse_amount` — a finite `Decimal` (never a float), no more decimals than the currency has,
within `MAX_AMOUNT`. Pure: no database access, no project imports beyond the error types.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

# ISO-4217 minor units for the currencies we accept. Not exhaustive on purpose: an unknown
# code is refused rather than guessed.
CURRENCY_PRECISION: dict[str, int] = {
    "EUR": 2,
    "USD": 2,
    "GBP": 2,
    "CHF": 2,
    "SEK": 2,
    "NOK": 2,
    "DKK": 2,
    "PLN": 2,
    "CZK": 2,
    "HUF": 2,
    "CAD": 2,
    "AUD": 2,
    "NZD": 2,
    "CNY": 2,
    "INR": 2,
    "BRL": 2,
    "MXN": 2,
    "ZAR": 2,
    "JPY": 0,
    "KRW": 0,
    "ISK": 0,
    "CLP": 0,
    "VND": 0,
    "BHD": 3,
    "KWD": 3,
    "OMR": 3,
    "JOD": 3,
    "TND": 3,
}
DEFAULT_CURRENCY = "EUR"
# Nothing a complaint desk hands out comes near this; larger is a typo or an attack.
MAX_AMOUNT = Decimal("1000000")
# Database columns: up to 12 integer digits and 3 decimals (BHD, KWD, ...).
MAX_DIGITS = 15
DECIMAL_PLACES = 3


class AmountError(ValueError):
    """A field-level message for an amount or currency that cannot be used."""


def precision(currency: str) -> int:
    if currency not in CURRENCY_PRECISION:
        raise AmountError(f"Unknown currency {currency!r}; use an ISO-4217 code such as EUR.")
    return CURRENCY_PRECISION[currency]


def parse_currency(value: Any) -> str:
    if not isinstance(value, str):
        raise AmountError("Must be an ISO-4217 code such as EUR.")
    code = value.strip().upper()
    precision(code)
    return code


def parse_amount(value: Any, currency: str, *, allow_zero: bool) -> Decimal:
    """`value` as a Decimal in `currency`; raises AmountError with a human message."""
    if isinstance(value, bool) or isinstance(value, float):
        raise AmountError("Must be a decimal number given as text or Decimal, never a float.")
    if isinstance(value, int):
        value = Decimal(value)
    elif isinstance(value, str):
        try:
            value = Decimal(value.strip())
        except InvalidOperation:
            raise AmountError("Must be a decimal number.") from None
    elif not isinstance(value, Decimal):
        raise AmountError("Must be a decimal number.")
    if not value.is_finite():
        raise AmountError("Must be a finite number.")
    if value < 0:
        raise AmountError("Must not be negative.")
    if value == 0 and not allow_zero:
        raise AmountError("Must be more than zero for this kind of compensation.")
    if value > MAX_AMOUNT:
        raise AmountError(f"Must not exceed {MAX_AMOUNT}.")
    places = precision(currency)
    exponent = value.normalize().as_tuple().exponent
    if isinstance(exponent, int) and -exponent > places:
        raise AmountError(f"{currency} has {places} decimal place(s); {value} has more.")
    return value.quantize(Decimal(1).scaleb(-places))


def as_text(amount: Decimal, currency: str) -> str:
    """`amount` with exactly the currency's decimals, as stored in logs and snapshots."""
    places = CURRENCY_PRECISION.get(currency, 2)
    return str(amount.quantize(Decimal(1).scaleb(-places)))


def format_money(amount: Decimal, currency: str) -> str:
    return f"{as_text(amount, currency)} {currency}"
