"""Strict parsing of what people type or send: datetimes, amounts, currencies and free text.

The one place where input text becomes a value. The API's fields (`api.fields`), the admin's form
fields (`core.formfields`) and the compensation services all call these functions, so every door
refuses the same input with the same sentence. Each function is pure, keyword-only and typed; it
returns the value or raises `InputError`, whose message says what to send instead (in the active
language). No database, no settings, no project imports beyond `core.errors` and
`core.currencies`; core imports no app.

What is refused, and why:
- Datetimes: ISO 8601 with an explicit offset (`+02:00`) or `Z`, and nothing else. A naive
  datetime or a date alone means a different moment in every time zone, so guessing (we used to
  read it as server-local time) silently moves a promise by hours. Digits are ASCII only.
- Amounts: ASCII digits with at most one `.` and no more decimal places than the currency has;
  no sign (compensation is never negative), no exponent (`1e2`), no thousands separators, no
  other scripts' digits (`١٢٣`: `Decimal` would accept them, a reader of the audit log may not),
  no superfluous leading zeros (so every accepted text is how the amount is written back).
- Currencies: an upper-case ISO 4217 code from `core.currencies` (`eur` is refused, as the API
  always did, rather than upper-cased in one door and refused in another).
- Text: refused if it holds a bidirectional embedding, override or isolate control (U+202A–U+202E,
  U+2066–U+2069: "Trojan Source" characters that make text display differently from what is
  stored and searched), a control character other than tab and line breaks, or an unpaired
  surrogate; or if nothing visible is left once whitespace and invisible characters (zero-width
  space/joiners, word joiner, BOM, Mongolian vowel separator, other format characters, blank
  fillers) are removed. The direction *marks* LRM, RLM and ALM (U+200E, U+200F, U+061C) are
  allowed inside real text: they change no order of other characters, only how neutral ones
  next to them lean, and right-to-left keyboards insert them legitimately (a phone number in
  Hebrew or Arabic text); on their own they count as invisible. Text is returned as sent: never
  silently changed.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from datetime import datetime
from decimal import Decimal

from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from core.currencies import CURRENCY_DECIMALS, MAX_DECIMALS
from core.errors import InvalidDataError

__all__ = [
    "AMOUNT_PATTERN",
    "BIDI_CONTROLS",
    "InputError",
    "amount_fit",
    "amount_parse",
    "currency_decimals",
    "currency_parse",
    "datetime_parse",
    "has_offset",
    "text_clean",
    "wall_time_parse",
]


class InputError(InvalidDataError):
    """Input text that cannot be used; `message` says what to send instead (HTTP 400).

    Not called ParseError: DRF has one (a malformed body) and both meet in `api`. A DomainError,
    so one that escapes a field still renders in the API's error shape; the API and form fields
    turn it into a message on the field it belongs to."""

    code = "invalid"


# --- datetimes ---------------------------------------------------------------------------------

_DATE = r"[0-9]{4}-[0-9]{2}-[0-9]{2}"
_TIME = r"[0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\.(?P<fraction>[0-9]{1,9}))?)?"
_OFFSET = r"(?:Z|[+-][0-9]{2}:[0-9]{2})"
_AWARE = re.compile(rf"{_DATE}T{_TIME}{_OFFSET}")
_NAIVE = re.compile(rf"{_DATE}[T ]{_TIME}")
_DATE_ONLY = re.compile(_DATE)
DATETIME_EXAMPLE = "2026-05-01T09:00:00+02:00"


def datetime_parse(*, text: str) -> datetime:
    """An ISO 8601 date and time with an explicit offset or `Z`, as an aware datetime.

    Fractions beyond microseconds (up to nanoseconds, as some clients send) are truncated."""
    if not isinstance(text, str):
        raise InputError(
            _("Send the date and time as a string in ISO 8601 with an offset, e.g. %(example)s.")
            % {"example": DATETIME_EXAMPLE}
        )
    match = _AWARE.fullmatch(text)
    if match is None:
        if _NAIVE.fullmatch(text):
            raise InputError(
                _(
                    "This date and time has no offset, so it could mean a different moment in "
                    "every time zone: add one, e.g. %(example)s, or Z for UTC."
                )
                % {"example": DATETIME_EXAMPLE}
            )
        if _DATE_ONLY.fullmatch(text):
            raise InputError(
                _(
                    "A date alone is not a moment in time: send a date and a time with an "
                    "offset, e.g. %(example)s."
                )
                % {"example": DATETIME_EXAMPLE}
            )
        raise InputError(
            _(
                "This is not a date and time in ISO 8601 with an offset: send one like "
                "%(example)s or 2026-05-01T07:00:00Z."
            )
            % {"example": DATETIME_EXAMPLE}
        )
    fraction = match.group("fraction")
    if fraction and len(fraction) > 6:
        start = match.start("fraction")
        text = text[: start + 6] + text[start + len(fraction) :]
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise InputError(
            _(
                "This date or time does not exist (check the month, day, hour and offset): "
                "send a real one like %(example)s."
            )
            % {"example": DATETIME_EXAMPLE}
        ) from None
    return value


_SAYS_OFFSET = re.compile(r"[^T ]+[T ][0-9:.]+(?:Z|[+-].*)", re.DOTALL)


def has_offset(*, text: str) -> bool:
    """Whether a date-and-time text ends in something meant as an offset (`Z`, `+02:00`)."""
    return isinstance(text, str) and _SAYS_OFFSET.fullmatch(text) is not None


def wall_time_parse(*, text: str) -> datetime:
    """A date and time *without* an offset ("2026-05-01T09:00", "2026-05-01 09:00:00"), naive.

    Only for a form whose widget states the time zone it is in (the admin, in the staff user's
    active zone: `core.formfields`); a client sending a naive datetime to the API is refused by
    `datetime_parse`. A date alone is refused here too: midnight is never a good guess."""
    if isinstance(text, str) and _DATE_ONLY.fullmatch(text):
        raise InputError(
            _(
                "Enter a time as well as the date, e.g. 2026-05-01 09:00: a date alone is not a "
                "moment in time."
            )
        )
    if not isinstance(text, str) or not _NAIVE.fullmatch(text):
        raise InputError(
            _("Enter a date and a time with the digits 0 to 9, e.g. 2026-05-01 09:00.")
        )
    try:
        return datetime.fromisoformat(text.replace(" ", "T", 1)[:26])
    except ValueError:
        raise InputError(
            _(
                "This date or time does not exist (check the month, day and hour): enter a real "
                "one, e.g. 2026-05-01 09:00."
            )
        ) from None


# --- currencies and amounts --------------------------------------------------------------------

_CODE = re.compile(r"[A-Za-z]{3}")
# Any text `amount_parse` can accept, whatever the currency (the OpenAPI `pattern` of amounts).
AMOUNT_PATTERN = rf"^(0|[1-9][0-9]{{0,11}})(\.[0-9]{{1,{MAX_DECIMALS}}})?$"
_AMOUNT = re.compile(r"(?:0|[1-9][0-9]{0,11})(?:\.(?P<places>[0-9]+))?")
_EXPONENT = re.compile(r"[0-9.]+[eE][+-]?[0-9]+")
_SEPARATORS = frozenset(",_' \u00a0\u202f\u2009\u066b\u066c")


def currency_parse(*, text: str) -> str:
    """An upper-case ISO 4217 code that Redress accepts (`core.currencies`)."""
    if not isinstance(text, str) or not _CODE.fullmatch(text):
        raise InputError(
            _("Send the currency as its three-letter ISO 4217 code in capitals, e.g. EUR.")
        )
    if text != text.upper():
        raise InputError(
            _("Write the currency code in capital letters: %(upper)s, not %(given)s.")
            % {"upper": text.upper(), "given": text}
        )
    if text not in CURRENCY_DECIMALS:
        raise InputError(
            _("%(code)s is not a currency we accept: use an ISO 4217 code such as EUR, USD or GBP.")
            % {"code": text}
        )
    return text


def currency_decimals(*, currency: str) -> int:
    """The decimal places of an accepted `currency` (2 for EUR, 0 for JPY, 3 for BHD)."""
    return CURRENCY_DECIMALS[currency_parse(text=currency)]


def _example(decimals: int) -> str:
    return "1500" if decimals == 0 else "12." + "50"[:decimals].ljust(decimals, "0")


def amount_fit(*, amount: Decimal, decimals: int) -> Decimal:
    """`amount` if it has at most `decimals` decimal places (trailing zeros count: "1.50" has
    two), else a InputError saying how many are allowed."""
    exponent = amount.as_tuple().exponent
    places = -exponent if isinstance(exponent, int) and exponent < 0 else 0
    if places <= decimals:
        return amount
    if decimals == 0:
        raise InputError(_("This currency has no decimal places: send a whole number, e.g. 1500."))
    raise InputError(
        ngettext_lazy(
            "This currency has at most %(n)d decimal place: send e.g. %(example)s.",
            "This currency has at most %(n)d decimal places: send e.g. %(example)s.",
            "n",
        )
        % {"n": decimals, "example": _example(decimals)}
    )


def amount_parse(*, text: str, decimals: int) -> Decimal:
    """An amount written as ASCII digits with an optional `.` and at most `decimals` places.

    Returns the Decimal exactly as written ("12.50" keeps its two places)."""
    if not isinstance(text, str):
        raise InputError(
            _(
                'Send the amount as a string of digits, e.g. "12.50": a JSON number may lose '
                "precision on the way."
            )
        )
    match = _AMOUNT.fullmatch(text)
    if match is None:
        raise InputError(_amount_refusal(text))
    return amount_fit(amount=Decimal(text), decimals=decimals)


def _amount_refusal(text: str):
    """The sentence for an amount text that does not match, most specific first."""
    if text == "":
        return _("Enter an amount, e.g. 12.50 (0 for a free gift).")
    if any(c.isdigit() and not c.isascii() for c in text):
        return _("Write the amount with the digits 0 to 9 only, e.g. 123 rather than ١٢٣ or ૧૨૩.")
    if text[0] in "+-\u2212":
        return _("Send the amount without a sign: compensation is never negative.")
    if _EXPONENT.fullmatch(text):
        return _("Write the amount out in full without an exponent: 100, not 1e2.")
    if any(c in _SEPARATORS for c in text):
        return _(
            "Leave out spaces and thousands separators and use a point for decimals: "
            "1234.50, not 1,234.50 or 1234,50."
        )
    if text.isascii() and text.replace(".", "").isdigit() and text.count(".") <= 1:
        if text.startswith(".") or text.endswith("."):
            return _("Put a digit on both sides of the decimal point: 0.50, not .50 or 12.")
        if len(text.split(".")[0]) > 12:
            return _("This amount is far too large: send at most 12 digits before the point.")
        return _("Leave out leading zeros: 7.50, not 007.50.")
    return _("Send the amount as digits with at most one decimal point, e.g. 12.50.")


# --- text --------------------------------------------------------------------------------------

# Embeddings, overrides (U+202A–U+202E) and isolates (U+2066–U+2069).
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
# Direction marks: allowed inside text (see the module docstring), invisible on their own.
BIDI_MARKS = frozenset("\u200e\u200f\u061c")
ZERO_WIDTH = frozenset("\u200b\u200c\u200d\u2060\ufeff\u180e")
# Characters that render as blank but are neither whitespace nor format characters.
BLANK_FILLERS = frozenset("\u034f\u115f\u1160\u2800\u3164\uffa0")
_LINE_BREAKS = frozenset("\n\r\u2028\u2029")
_ALLOWED_CONTROLS = frozenset("\t\n\r")


def _invisible(char: str) -> bool:
    return (
        char.isspace()
        or char in ZERO_WIDTH
        or char in BIDI_MARKS
        or char in BLANK_FILLERS
        or unicodedata.category(char) == "Cf"
    )


def text_clean(*, text: str, single_line: bool = False) -> str:
    """`text` unchanged if it is safe to store and show, else a InputError.

    `single_line` also refuses line breaks (subjects, names: they end up in mail headers)."""
    if not isinstance(text, str):
        raise InputError(_("Send text as a string, not a number, list or object."))
    if any(c in BIDI_CONTROLS for c in text):
        raise InputError(
            _(
                "Remove the invisible text-direction controls (U+202A to U+202E, U+2066 to "
                "U+2069): they make text display differently from what is stored."
            )
        )
    for char in text:
        category = unicodedata.category(char)
        if category == "Cc" and char not in _ALLOWED_CONTROLS:
            raise InputError(
                _(
                    "Remove the control characters (such as NUL or escape): only letters, "
                    "digits, punctuation, spaces, tabs and line breaks are text."
                )
            )
        if category == "Cs":
            raise InputError(
                _("Remove the broken characters (unpaired surrogates): send valid Unicode text.")
            )
        if single_line and char in _LINE_BREAKS:
            raise InputError(_("Keep this on one line: remove the line breaks."))
    if all(_invisible(c) for c in text):
        raise InputError(
            _(
                "There is no visible text here: write something, not only spaces or invisible "
                "characters."
            )
        )
    return text


def _char_class(chars: set[str]) -> str:
    """A regex character class body for `chars`, as ASCII escapes and ranges."""
    points = sorted(ord(c) for c in chars)
    ranges: list[tuple[int, int]] = []
    for point in points:
        if ranges and point == ranges[-1][1] + 1:
            ranges[-1] = (ranges[-1][0], point)
        else:
            ranges.append((point, point))

    def esc(point: int) -> str:
        return f"\\u{point:04x}"

    return "".join(esc(a) if a == b else f"{esc(a)}-{esc(b)}" for a, b in ranges)


def _all_chars(test) -> set[str]:
    # The Basic Multilingual Plane only: a `\uXXXX` escape is read alike by Python and by
    # ECMA-262 (which OpenAPI validators use). The few invisible characters above it (tags,
    # U+E0001 and up) are refused by `text_clean` although the pattern lets them through.
    return {chr(p) for p in range(0x10000) if not 0xD800 <= p <= 0xDFFF and test(chr(p))}


@functools.cache
def text_pattern(*, single_line: bool = False, allow_blank: bool = False) -> str:
    """The regular expression (Python and ECMA-262 syntax) matching exactly the text
    `text_clean` accepts, for the OpenAPI document; with `allow_blank`, also blank text (which
    a form or serializer trims to "")."""
    controls = _all_chars(lambda c: unicodedata.category(c) == "Cc") - _ALLOWED_CONTROLS
    refused = controls | BIDI_CONTROLS | (_LINE_BREAKS if single_line else set())
    bad = _char_class(refused)
    unseen = _char_class(refused | _all_chars(_invisible))
    some = f"[^{bad}]*[^{unseen}][^{bad}]*"
    return f"^(?:\\s*|{some})$" if allow_blank else f"^{some}$"
