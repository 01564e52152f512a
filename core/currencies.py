"""The currencies Redress accepts and their ISO-4217 minor units (decimal places).

Kept in core so every door that takes an amount (the API's fields, the admin's form fields, the
compensation services) reads the same table; `compensation.money` re-exports it. Not exhaustive
on purpose: an unknown code is refused rather than guessed. Pure data, imports nothing.
"""

from __future__ import annotations

CURRENCY_DECIMALS: dict[str, int] = {
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
# The most decimals any accepted currency has: what an amount may carry before its currency is
# known (the database columns hold 3).
MAX_DECIMALS = max(CURRENCY_DECIMALS.values())
