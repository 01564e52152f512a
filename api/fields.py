"""DRF fields for the API's input, built on `core.parsing`: one strict parser for API and admin.

Every API input that takes a datetime, an amount, a currency or free text uses one of these, so a
refusal is an ordinary serializer error: a 400 in the one error shape with the field named in
`fields` (`compensations.0.amount`), before any service runs and so before anything is written.
Their OpenAPI types say what they accept (date-time strings with an offset; amounts as strings
with a `pattern`; currency codes as an enum), so a generated client sends what is accepted.
Plumbing only: imports no domain app.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core import parsing
from core.currencies import CURRENCY_DECIMALS


def _fail(error: parsing.InputError) -> serializers.ValidationError:
    return serializers.ValidationError(error.message, code="invalid")


class StrictDateTimeField(serializers.DateTimeField):
    """An ISO 8601 date-time string with an offset or `Z`; naive and date-only are refused
    (`core.parsing.datetime_parse`). Output is DRF's usual rendering."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault(
            "help_text", "ISO 8601 with an offset or Z, e.g. 2026-05-01T09:00:00+02:00."
        )
        super().__init__(**kwargs)

    def to_internal_value(self, value: Any):
        try:
            parsed = parsing.datetime_parse(text=value)
        except parsing.InputError as error:
            raise _fail(error) from None
        return self.enforce_timezone(parsed)


@extend_schema_field({"type": "string", "enum": sorted(CURRENCY_DECIMALS)})
class CurrencyField(serializers.Field):
    """An upper-case ISO 4217 code Redress accepts (`core.currencies`)."""

    def to_internal_value(self, data: Any) -> str:
        try:
            return parsing.currency_parse(text=data)
        except parsing.InputError as error:
            raise _fail(error) from None

    def to_representation(self, value: str) -> str:
        return value


@extend_schema_field(
    {
        "type": "string",
        "format": "decimal",
        "pattern": parsing.AMOUNT_PATTERN,
        "example": "12.50",
        "description": "A decimal string: ASCII digits, at most one point, no sign or exponent, "
        "and no more decimal places than the currency has (EUR 2, JPY 0, BHD 3).",
    }
)
class AmountField(serializers.Field):
    """Money as a decimal string ("12.50"); JSON numbers are refused so no float ever enters.

    On its own it allows as many decimals as any accepted currency has; a serializer with a
    currency beside it checks the currency's own places with `amount_currency_check`."""

    def __init__(self, *, decimals: int = parsing.MAX_DECIMALS, **kwargs: Any) -> None:
        self.decimals = decimals
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> Decimal:
        try:
            return parsing.amount_parse(text=data, decimals=self.decimals)
        except parsing.InputError as error:
            raise _fail(error) from None

    def to_representation(self, value: Decimal) -> str:
        return str(value)


def amount_currency_check(
    attrs: dict, *, amount: str = "amount", currency: str = "currency"
) -> dict:
    """For a serializer's `validate`: the amount has no more places than its currency allows
    (an error on the amount field, so the client sees which one)."""
    if attrs.get(amount) is None or attrs.get(currency) is None:
        return attrs
    try:
        parsing.amount_fit(
            amount=attrs[amount], decimals=parsing.currency_decimals(currency=attrs[currency])
        )
    except parsing.InputError as error:
        raise serializers.ValidationError({amount: [error.message]}, code="invalid") from None
    return attrs


class CleanCharField(serializers.CharField):
    """Free text and only text: numbers and booleans are refused, not converted, and so is text
    with bidi overrides, control characters or nothing visible (`core.parsing.text_clean`).
    `single_line=True` also refuses line breaks (subjects, names)."""

    def __init__(self, *, single_line: bool = False, **kwargs: Any) -> None:
        self.single_line = single_line
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        if self.max_length is not None and len(data) > self.max_length:
            # As the document states it: `maxLength` counts the string sent, before trimming.
            self.fail("max_length", max_length=self.max_length)
        value = super().to_internal_value(data)
        if value == "":
            return value  # blank: allowed or refused by CharField's own `allow_blank`
        try:
            return parsing.text_clean(text=value, single_line=self.single_line)
        except parsing.InputError as error:
            raise _fail(error) from None
