"""The item schema's amount rule per currency says exactly what the parser accepts (up to the
maximum), so a generated client and schemathesis send what is taken."""

from __future__ import annotations

import re
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from compensation import money
from compensation.serializers import _amount_pattern
from core import parsing

AMOUNTS = st.one_of(
    st.from_regex(r"\A[0-9]{1,8}(\.[0-9]{0,4})?\Z"),
    st.sampled_from(["0", "1000000", "1000000.0", "1000000.01", "999999.999", "007", "1.", ".5"]),
)


@given(text=AMOUNTS, decimals=st.sampled_from(sorted(set(money.CURRENCY_PRECISION.values()))))
def test_the_pattern_is_the_parser_up_to_the_maximum(text, decimals):
    try:
        value = parsing.amount_parse(text=text, decimals=decimals)
        accepted = value <= money.MAX_AMOUNT
    except parsing.InputError:
        accepted = False
    assert bool(re.match(_amount_pattern(decimals), text)) == accepted, (text, decimals)


def test_the_maximum_is_what_the_pattern_spells():
    assert money.MAX_AMOUNT == Decimal("1000000")
