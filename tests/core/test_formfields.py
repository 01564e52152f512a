"""core.formfields: the admin's fields refuse what the API refuses; datetimes typed without an
offset are read in the user's active time zone (a form states its zone; a client does not)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from core import formfields


def _refused(field, value) -> str:
    with pytest.raises(ValidationError) as refused:
        field.clean(value)
    return " ".join(refused.value.messages)


@pytest.mark.parametrize("value", ["١٢٣", "1e2", "eur", "-5", "1,50", "12.5.0", "007"])
def test_amount_field_refuses_what_the_api_refuses(value):
    assert _refused(formfields.AmountField(), value)


def test_amount_field_cleans_to_a_decimal_and_shows_stored_values_plainly():
    field = formfields.AmountField(required=False)
    assert field.clean("12.50") == Decimal("12.50")
    assert field.clean("") is None
    assert field.prepare_value(Decimal("20.000")) == "20"
    assert field.prepare_value(Decimal("12.500")) == "12.5"
    assert field.clean(field.prepare_value(Decimal("20.000"))) == Decimal("20")


def test_amount_currency_error_names_the_places():
    assert formfields.amount_currency_error(Decimal("10.00"), "EUR") is None
    assert "no decimal places" in formfields.amount_currency_error(Decimal("10.5"), "JPY")
    assert "at most 2" in formfields.amount_currency_error(Decimal("10.001"), "EUR")


def test_currency_field_refuses_lower_case_and_unknown_codes():
    field = formfields.CurrencyField()
    assert field.clean("EUR") == "EUR"
    assert "capital letters" in _refused(field, "eur")
    assert "not a currency we accept" in _refused(field, "ZZZ")


def test_clean_char_field_refuses_bidi_and_invisible_text():
    field = formfields.CleanCharField(required=False)
    assert field.clean("  Real text  ") == "Real text"  # Django's usual strip
    assert field.clean("") == ""
    assert "text-direction" in _refused(field, "a\u202eb")
    assert "no visible text" in _refused(field, "\u200b\u200b")
    assert "one line" in _refused(formfields.CleanCharField(single_line=True), "a\nb")


def test_datetime_without_offset_is_read_in_the_active_time_zone():
    field = formfields.StrictDateTimeField()
    with timezone.override("Europe/Berlin"):
        assert field.clean("2026-05-01T09:00") == datetime(2026, 5, 1, 7, 0, tzinfo=UTC)
        assert field.clean("2026-05-01 09:00:00") == datetime(2026, 5, 1, 7, 0, tzinfo=UTC)
    with timezone.override("Asia/Shanghai"):
        assert field.clean("2026-05-01T09:00") == datetime(2026, 5, 1, 1, 0, tzinfo=UTC)


def test_datetime_with_an_offset_keeps_it():
    field = formfields.StrictDateTimeField()
    with timezone.override("Europe/Berlin"):
        assert field.clean("2026-05-01T09:00+00:00") == datetime(2026, 5, 1, 9, 0, tzinfo=UTC)
        assert field.clean("2026-05-01 09:00Z") == datetime(2026, 5, 1, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    "value,says",
    [
        ("2026-05-01", "time as well as the date"),
        ("٢٠٢٦-05-01 09:00", "digits 0 to 9"),
        ("01/05/2026 09:00", "digits 0 to 9"),
        ("2026-02-30 09:00", "does not exist"),
        ("2026-03-29 02:30", "daylight-saving"),  # skipped in Berlin
        ("2026-10-25 02:30", "daylight-saving"),  # happens twice in Berlin
        ("2026-05-01T09:00+0200", "ISO 8601"),
    ],
)
def test_datetime_refusals(value, says):
    with timezone.override("Europe/Berlin"):
        assert says in _refused(formfields.StrictDateTimeField(), value)
