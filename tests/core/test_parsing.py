"""core.parsing: the one strict parser of datetimes, amounts, currencies and text (issue 10)."""

from __future__ import annotations

import unicodedata
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core import parsing
from core.currencies import CURRENCY_DECIMALS, MAX_DECIMALS
from core.errors import InvalidDataError

# --- datetimes ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text,expected",
    [
        ("2026-05-01T09:00:00+02:00", datetime(2026, 5, 1, 7, 0, tzinfo=UTC)),
        ("2026-05-01T07:00:00Z", datetime(2026, 5, 1, 7, 0, tzinfo=UTC)),
        ("2026-05-01T07:00Z", datetime(2026, 5, 1, 7, 0, tzinfo=UTC)),
        ("2026-05-01T07:00:00.5-01:30", datetime(2026, 5, 1, 8, 30, 0, 500000, tzinfo=UTC)),
        # nanoseconds, as Go's RFC3339Nano sends them: truncated to microseconds
        ("2026-05-01T07:00:00.123456789Z", datetime(2026, 5, 1, 7, 0, 0, 123456, tzinfo=UTC)),
    ],
)
def test_datetime_with_an_offset_is_that_moment(text, expected):
    parsed = parsing.datetime_parse(text=text)
    assert parsed.utcoffset() is not None
    assert parsed == expected


@pytest.mark.parametrize(
    "text,says",
    [
        ("2026-05-01T09:00:00", "no offset"),
        ("2026-05-01 09:00", "no offset"),
        ("2026-05-01", "date alone"),
        ("2026-13-01T09:00:00Z", "does not exist"),
        ("2026-02-30T09:00:00Z", "does not exist"),
        ("2026-05-01T09:00:00+25:00", "does not exist"),
        ("2026-05-01 09:00:00Z", "ISO 8601"),
        ("2026-05-01T09:00:00+0200", "ISO 8601"),
        ("٢٠٢٦-٠٥-٠١T09:00:00Z", "ISO 8601"),
        ("2026-05-01T09:00:00Z\n", "ISO 8601"),
        (" 2026-05-01T09:00:00Z", "ISO 8601"),
        ("tomorrow", "ISO 8601"),
        ("", "ISO 8601"),
        (1767225600, "as a string"),
        (None, "as a string"),
    ],
)
def test_naive_date_only_and_malformed_datetimes_are_refused_with_a_sentence(text, says):
    with pytest.raises(parsing.InputError) as refused:
        parsing.datetime_parse(text=text)
    assert says in refused.value.message
    assert refused.value.message.endswith(".")
    assert isinstance(refused.value, InvalidDataError) and refused.value.status == 400


_MINUTE_OFFSETS = st.integers(min_value=-(23 * 60 + 59), max_value=23 * 60 + 59).map(
    lambda minutes: timezone(timedelta(minutes=minutes))
)


@given(
    st.datetimes(
        min_value=datetime(1900, 1, 1), max_value=datetime(9998, 12, 31), timezones=_MINUTE_OFFSETS
    )
)
def test_every_aware_datetime_round_trips_through_its_iso_text(moment):
    assert parsing.datetime_parse(text=moment.isoformat()) == moment


@given(st.datetimes(min_value=datetime(1900, 1, 1), max_value=datetime(9998, 12, 31)))
def test_no_naive_datetime_or_date_ever_parses(moment):
    for text in (moment.isoformat(), moment.date().isoformat()):
        with pytest.raises(parsing.InputError):
            parsing.datetime_parse(text=text)


def test_wall_time_is_for_forms_only_and_needs_a_time():
    assert parsing.wall_time_parse(text="2026-05-01T09:30") == datetime(2026, 5, 1, 9, 30)
    assert parsing.wall_time_parse(text="2026-05-01 09:30:15") == datetime(2026, 5, 1, 9, 30, 15)
    for bad in ("2026-05-01", "2026-05-01T09:30+02:00", "٢٠٢٦-05-01 09:30", "2026-02-30 09:00"):
        with pytest.raises(parsing.InputError):
            parsing.wall_time_parse(text=bad)


# --- currencies and amounts --------------------------------------------------------------------


def test_currency_codes_are_upper_case_known_iso_codes():
    assert parsing.currency_parse(text="EUR") == "EUR"
    assert parsing.currency_decimals(currency="JPY") == 0
    assert parsing.currency_decimals(currency="BHD") == 3
    for bad, says in [
        ("eur", "capital letters: EUR, not eur"),
        ("Eur", "capital letters"),
        ("ZZZ", "not a currency we accept"),
        ("EURO", "three-letter"),
        (" EUR", "three-letter"),
        ("ЕUR", "three-letter"),  # a Cyrillic Е
        (978, "three-letter"),
        (None, "three-letter"),
    ]:
        with pytest.raises(parsing.InputError) as refused:
            parsing.currency_parse(text=bad)
        assert says in refused.value.message, bad


@pytest.mark.parametrize(
    "text,decimals,expected",
    [
        ("12.50", 2, Decimal("12.50")),
        ("0", 2, Decimal("0")),
        ("0.5", 2, Decimal("0.5")),
        ("1500", 0, Decimal("1500")),
        ("1.125", 3, Decimal("1.125")),
        ("999999999999", 2, Decimal("999999999999")),
    ],
)
def test_amounts_in_plain_ascii_digits_parse_exactly(text, decimals, expected):
    parsed = parsing.amount_parse(text=text, decimals=decimals)
    assert parsed == expected and str(parsed) == text


@pytest.mark.parametrize(
    "text,decimals,says",
    [
        ("١٢٣", 2, "digits 0 to 9"),
        ("１２３", 2, "digits 0 to 9"),  # full-width
        ("12.٥", 2, "digits 0 to 9"),
        ("1e2", 2, "exponent"),
        ("1E-2", 2, "exponent"),
        ("eur", 2, "digits with at most one decimal point"),
        ("-1", 2, "without a sign"),
        ("+1", 2, "without a sign"),
        ("1,5", 2, "thousands separators"),
        ("1,234.50", 2, "thousands separators"),
        ("1 234", 2, "thousands separators"),
        (" 12", 2, "thousands separators"),
        ("12.50\n", 2, "at most one decimal point"),
        ("1.2.3", 2, "at most one decimal point"),
        (".5", 2, "both sides"),
        ("12.", 2, "both sides"),
        ("007", 2, "leading zeros"),
        ("1234567890123", 2, "far too large"),
        ("NaN", 2, "at most one decimal point"),
        ("Infinity", 2, "at most one decimal point"),
        ("", 2, "Enter an amount"),
        ("10.001", 2, "at most 2 decimal places"),
        ("10.500", 2, "at most 2 decimal places"),
        ("10.5", 0, "no decimal places"),
        ("1.0001", 3, "at most 3 decimal places"),
        (12.5, 2, "as a string"),
        (12, 2, "as a string"),
        (None, 2, "as a string"),
    ],
)
def test_amounts_the_api_and_admin_refuse(text, decimals, says):
    with pytest.raises(parsing.InputError) as refused:
        parsing.amount_parse(text=text, decimals=decimals)
    assert says in refused.value.message


def test_the_amount_pattern_is_what_the_parser_accepts_at_most_decimals():
    import re

    pattern = re.compile(parsing.AMOUNT_PATTERN)
    for good in ("0", "12.50", "0.125", "999999999999.999"):
        assert pattern.match(good)
        parsing.amount_parse(text=good, decimals=MAX_DECIMALS)
    for bad in ("007", "1e2", "1.0001", "-1", "1234567890123"):
        assert not pattern.match(bad)


_AMOUNTS = st.builds(
    lambda currency, units: (currency, Decimal(units).scaleb(-CURRENCY_DECIMALS[currency])),
    st.sampled_from(sorted(CURRENCY_DECIMALS)),
    st.integers(min_value=0, max_value=10**12 - 1),
)


@given(_AMOUNTS)
def test_every_valid_amount_round_trips(currency_amount):
    currency, amount = currency_amount
    decimals = parsing.currency_decimals(currency=currency)
    text = f"{amount:f}"
    parsed = parsing.amount_parse(text=text, decimals=decimals)
    assert parsed == amount and f"{parsed:f}" == text


_NON_ASCII_DIGITS = st.characters(categories=["Nd", "No", "Nl"], exclude_characters="0123456789")


@given(
    st.text(
        alphabet=st.one_of(_NON_ASCII_DIGITS, st.sampled_from("0123456789.")), min_size=1
    ).filter(lambda s: any(not c.isascii() for c in s)),
    st.integers(min_value=0, max_value=3),
)
def test_no_string_with_a_non_ascii_digit_ever_parses(text, decimals):
    with pytest.raises(parsing.InputError):
        parsing.amount_parse(text=text, decimals=decimals)


@given(st.text(min_size=1, max_size=30), st.integers(min_value=0, max_value=3))
def test_whatever_parses_is_plain_ascii_and_fits_its_decimals(text, decimals):
    try:
        parsed = parsing.amount_parse(text=text, decimals=decimals)
    except parsing.InputError:
        return
    assert text.isascii() and set(text) <= set("0123456789.")
    assert parsed.is_finite() and parsed >= 0
    assert -min(parsed.as_tuple().exponent, 0) <= decimals


# --- text --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Coconut opener missing",
        "  indented, kept as sent  ",
        "שלום\u200f 030-1234",  # an RLM inside real Hebrew text
        "مرحبا\u061c",  # an ALM
        "Zero\u200bwidth inside real text",
        "Tabs\tand\nlines\r\n",
        "👩\u200d👩\u200d👧 family emoji",
    ],
)
def test_real_text_is_returned_as_sent(text):
    assert parsing.text_clean(text=text) == text


@pytest.mark.parametrize(
    "text,says",
    [
        ("Refund \u202e0001\u202c please", "text-direction controls"),
        ("\u2066isolate\u2069", "text-direction controls"),
        ("\u202aembedded", "text-direction controls"),
        ("\u200b", "no visible text"),
        ("\u200b\u200c\u200d\u2060\ufeff\u180e", "no visible text"),
        (" \u200b \u3164 \u2800 ", "no visible text"),
        ("\u200e\u200f", "no visible text"),
        ("\u00ad\u2061", "no visible text"),
        ("", "no visible text"),
        ("a\x00b", "control characters"),
        ("a\x1b[31mred", "control characters"),
        ("a\x85b", "control characters"),
        ("a\ud800b", "unpaired surrogates"),
        (42, "as a string"),
    ],
)
def test_bidi_controls_controls_and_invisible_only_text_are_refused(text, says):
    with pytest.raises(parsing.InputError) as refused:
        parsing.text_clean(text=text)
    assert says in refused.value.message


def test_single_line_text_refuses_line_breaks():
    assert parsing.text_clean(text="Subject", single_line=True) == "Subject"
    for bad in ("a\nb", "a\rb", "a\u2028b"):
        with pytest.raises(parsing.InputError):
            parsing.text_clean(text=bad, single_line=True)


@given(
    st.text(max_size=20),
    st.sampled_from(sorted(parsing.BIDI_CONTROLS)),
    st.text(max_size=20),
)
def test_any_string_holding_a_bidi_control_is_refused(before, control, after):
    with pytest.raises(parsing.InputError):
        parsing.text_clean(text=before + control + after)


@given(
    st.text(
        alphabet=st.sampled_from(
            sorted(parsing.ZERO_WIDTH | parsing.BIDI_MARKS | parsing.BLANK_FILLERS | set(" \t\n"))
        ),
        min_size=1,
    )
)
def test_whitespace_and_zero_width_only_is_refused(text):
    with pytest.raises(parsing.InputError):
        parsing.text_clean(text=text)


@given(st.text(max_size=40))
def test_accepted_text_is_unchanged_and_has_something_visible(text):
    try:
        cleaned = parsing.text_clean(text=text)
    except parsing.InputError:
        return
    assert cleaned == text
    assert not parsing.BIDI_CONTROLS & set(text)
    assert any(not c.isspace() and unicodedata.category(c) not in ("Cf", "Cc", "Cs") for c in text)
