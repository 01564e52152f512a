"""Django form fields for the staff screens, built on `core.parsing`: the admin refuses what the
API refuses, with the same sentences.

- `CleanCharField`: free text without bidi controls, control characters or only invisible
  characters (`single_line` also refuses line breaks).
- `AmountField`: ASCII digits, one optional point, no sign, exponent or separators (`١٢٣`, `1e2`,
  `1,5` are refused). It allows the most decimals any currency has; the form checks the
  currency's own places with `amount_currency_error`, as the API's serializers do.
- `CurrencyField`: an upper-case ISO 4217 code we accept (`eur` is refused, not upper-cased).
- `StrictDateTimeField`: a date *and* a time, ASCII digits.
- `TextValidator`: `text_clean` for the text fields a ModelForm builds itself.

The one difference from the API, on purpose: a datetime typed without an offset is read in the
staff user's active time zone (the admin's `datetime-local` inputs send no offset, and the form
says which zone it is in), not refused. A form field's value in a known, displayed zone is not
the naive input of a client whose zone we cannot know; refusing it would make the admin
unusable, and guessing is what the API no longer does. An explicit offset is honoured; a date
alone is refused (midnight is never a good guess), and so is a local time that does not exist or
happens twice on a daylight-saving change. Like every Django form field these strip surrounding
whitespace before parsing (it is invisible in a text box); the API does not.

Pure form plumbing: imports only Django and core.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from core import parsing
from core.currencies import MAX_DECIMALS


def _invalid(error: parsing.InputError) -> ValidationError:
    return ValidationError(error.message, code="invalid")


class TextValidator:
    """`core.parsing.text_clean` as a validator, for text fields a ModelForm builds itself (the
    generic admin screens: `complaints.admin.base`)."""

    def __init__(self, *, single_line: bool = False) -> None:
        self.single_line = single_line

    def __call__(self, value: Any) -> None:
        try:
            parsing.text_clean(text=value, single_line=self.single_line)
        except parsing.InputError as error:
            raise _invalid(error) from None

    def __eq__(self, other: object) -> bool:
        return isinstance(other, TextValidator) and other.single_line == self.single_line


class CleanCharField(forms.CharField):
    """Free text, refused as the API refuses it (`core.parsing.text_clean`)."""

    def __init__(self, *, single_line: bool = False, **kwargs: Any) -> None:
        self.single_line = single_line
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> str:
        value = super().to_python(value)
        if value in self.empty_values:
            return value
        try:
            return parsing.text_clean(text=value, single_line=self.single_line)
        except parsing.InputError as error:
            raise _invalid(error) from None


class AmountField(forms.CharField):
    """An amount as digits (`core.parsing.amount_parse`); cleaned to a Decimal, or None."""

    def __init__(self, *, decimals: int = MAX_DECIMALS, **kwargs: Any) -> None:
        self.decimals = decimals
        kwargs.setdefault("widget", forms.TextInput(attrs={"inputmode": "decimal", "size": 10}))
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> Decimal | None:
        if isinstance(value, Decimal):
            return value
        value = super().to_python(value)
        if value in self.empty_values:
            return None
        try:
            return parsing.amount_parse(text=value, decimals=self.decimals)
        except parsing.InputError as error:
            raise _invalid(error) from None

    def prepare_value(self, value: Any) -> Any:
        # A stored 20.000 (the column has 3 places) shows as 20, so saving it again in EUR works.
        if isinstance(value, Decimal) and value.is_finite():
            if value == value.to_integral_value():
                return str(value.quantize(Decimal(1)))
            return str(value.normalize())
        return value


def amount_currency_error(amount: Decimal | None, currency: str | None) -> str | None:
    """The sentence if `amount` has more places than `currency` allows, else None (a form's
    `clean` adds it to the amount field, as the API names the amount)."""
    if amount is None or not currency:
        return None
    try:
        parsing.amount_fit(amount=amount, decimals=parsing.currency_decimals(currency=currency))
    except parsing.InputError as error:
        return error.message
    return None


class CurrencyField(forms.CharField):
    """An upper-case ISO 4217 code we accept (`core.parsing.currency_parse`)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 3)
        kwargs.setdefault("widget", forms.TextInput(attrs={"size": 4}))
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> str:
        value = super().to_python(value)
        if value in self.empty_values:
            return value
        try:
            return parsing.currency_parse(text=value)
        except parsing.InputError as error:
            raise _invalid(error) from None


class StrictDateTimeField(forms.DateTimeField):
    """A date and a time: with an offset as given, without one in the active time zone."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("widget", forms.DateTimeInput(attrs={"type": "datetime-local"}))
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> datetime | None:
        if value in self.empty_values:
            return None
        if isinstance(value, datetime):
            return super().to_python(value)
        text = str(value).strip()
        try:
            if parsing.has_offset(text=text):
                return parsing.datetime_parse(text=text.replace(" ", "T", 1))
            wall = parsing.wall_time_parse(text=text)
        except parsing.InputError as error:
            raise _invalid(error) from None
        zone = timezone.get_current_timezone()
        aware = wall.replace(tzinfo=zone)
        # zoneinfo resolves a missing or doubled wall time silently (fold); refuse it instead.
        roundtrip = aware.astimezone(UTC).astimezone(zone).replace(tzinfo=None)
        twice = wall.replace(fold=1, tzinfo=zone).utcoffset() != aware.utcoffset()
        if roundtrip != wall or twice:
            raise ValidationError(
                _(
                    "%(time)s does not exist or happens twice in %(zone)s because of a "
                    "daylight-saving change: enter a time an hour earlier or later."
                )
                % {"time": wall.strftime("%Y-%m-%d %H:%M"), "zone": zone},
                code="invalid",
            )
        return aware
