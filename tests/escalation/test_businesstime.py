"""Business-time arithmetic: worked examples and properties (hypothesis)."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import holidays
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from escalation.businesstime import (
    Schedule,
    add_business_minutes,
    add_business_time,
    always_open,
    business_minutes_between,
    business_time_between,
)

BERLIN = ZoneInfo("Europe/Berlin")
DE_BE = holidays.country_holidays("DE", subdiv="BE")
OFFICE = Schedule(
    tz=BERLIN,
    hours=((time(9), time(17)),) * 5 + (None, None),
    is_closed=lambda d: d in DE_BE,
)
# A shop that opens on Saturday mornings and works through midnight on Fridays.
ODD = Schedule(
    tz=ZoneInfo("America/New_York"),
    hours=(
        (time(8), time(12)),
        (time(8), time(18)),
        None,
        (time(0), time(0)),
        (time(22), time(0)),
        (time(9), time(13)),
        None,
    ),
    is_closed=lambda d: d == date(2026, 7, 3),
)


def berlin(*args) -> datetime:
    return datetime(*args, tzinfo=BERLIN)


def test_within_one_day():
    assert add_business_minutes(OFFICE, berlin(2026, 11, 23, 10), 90) == berlin(
        2026, 11, 23, 11, 30
    )


def test_exactly_to_closing_stays_on_the_day():
    assert add_business_minutes(OFFICE, berlin(2026, 11, 23, 16), 60) == berlin(2026, 11, 23, 17)


def test_over_the_weekend():
    # Friday 16:00 + 2 h → Monday 10:00
    assert add_business_minutes(OFFICE, berlin(2026, 11, 20, 16), 120) == berlin(2026, 11, 23, 10)


def test_start_outside_hours_counts_from_next_opening():
    assert add_business_minutes(OFFICE, berlin(2026, 11, 21, 3), 30) == berlin(2026, 11, 23, 9, 30)
    assert add_business_minutes(OFFICE, berlin(2026, 11, 23, 20), 30) == berlin(2026, 11, 24, 9, 30)
    assert add_business_minutes(OFFICE, berlin(2026, 11, 23, 6), 30) == berlin(2026, 11, 23, 9, 30)


def test_holidays_are_skipped():
    # Thu 24 Dec 16:00 + 2 h: 25 and 26 Dec are holidays, 26–27 a weekend → Mon 28 Dec 10:00
    assert add_business_minutes(OFFICE, berlin(2026, 12, 24, 16), 120) == berlin(2026, 12, 28, 10)
    # Women's Day is a holiday in Berlin only (Monday 8 March 2027)
    assert add_business_minutes(OFFICE, berlin(2027, 3, 5, 17), 60) == berlin(2027, 3, 9, 10)


def test_daylight_saving_night_is_not_working_time():
    # 24/7 in Berlin across the spring-forward night: 3 real hours pass, wall clock shows 4.
    clock = Schedule(tz=BERLIN, hours=((time(0), time(0)),) * 7)
    start = berlin(2026, 3, 29, 0)
    end = add_business_minutes(clock, start, 180)
    assert end == berlin(2026, 3, 29, 4)
    assert end - start == timedelta(hours=3)  # aware subtraction in UTC
    autumn = berlin(2026, 10, 25, 0)
    assert add_business_minutes(clock, autumn, 240) == berlin(2026, 10, 25, 3)


def test_office_hours_keep_their_local_time_across_dst():
    # Friday 27 March 16:00 (UTC+1) + 2 h → Monday 30 March 10:00 (UTC+2)
    end = add_business_minutes(OFFICE, berlin(2026, 3, 27, 16), 120)
    assert end == berlin(2026, 3, 30, 10)
    assert end.astimezone(BERLIN).utcoffset() == timedelta(hours=2)


def test_between_examples():
    assert (
        business_minutes_between(OFFICE, berlin(2026, 11, 20, 16), berlin(2026, 11, 23, 10)) == 120
    )
    assert business_minutes_between(OFFICE, berlin(2026, 11, 21, 0), berlin(2026, 11, 22, 23)) == 0
    assert business_minutes_between(OFFICE, berlin(2026, 11, 23, 12), berlin(2026, 11, 23, 11)) == 0
    assert (
        business_minutes_between(OFFICE, berlin(2026, 11, 23, 0), berlin(2026, 11, 28, 0))
        == 5 * 480
    )


def test_zero_and_naive_and_negative():
    start = berlin(2026, 11, 21, 3)
    assert add_business_minutes(OFFICE, start, 0) == start
    with pytest.raises(ValueError):
        add_business_minutes(OFFICE, datetime(2026, 11, 23, 10), 5)
    with pytest.raises(ValueError):
        add_business_time(OFFICE, start, timedelta(minutes=-1))


def test_calendar_without_working_hours_is_an_error():
    closed = Schedule(tz=BERLIN, hours=(None,) * 7)
    with pytest.raises(ValueError):
        add_business_minutes(closed, berlin(2026, 1, 1), 1)


def test_always_open_is_wall_clock():
    start = datetime(2026, 5, 1, 12, 34, tzinfo=UTC)
    assert add_business_minutes(always_open(), start, 1000) == start + timedelta(minutes=1000)


instants = st.datetimes(
    min_value=datetime(2025, 1, 1), max_value=datetime(2028, 12, 31), timezones=st.just(UTC)
)
schedules = st.sampled_from([OFFICE, ODD, always_open(BERLIN)])
durations = st.integers(min_value=0, max_value=60 * 24 * 30)


@settings(max_examples=150, deadline=None)
@given(schedules, instants, durations)
def test_adding_then_measuring_returns_n(schedule, start, minutes):
    end = add_business_minutes(schedule, start, minutes)
    assert end >= start
    assert business_time_between(schedule, start, end) == timedelta(minutes=minutes)


@settings(max_examples=100, deadline=None)
@given(schedules, instants, durations, durations)
def test_adding_is_monotonic(schedule, start, a, b):
    low, high = sorted((a, b))
    assert add_business_minutes(schedule, start, low) <= add_business_minutes(schedule, start, high)


@settings(max_examples=100, deadline=None)
@given(schedules, instants, instants, instants)
def test_between_is_monotonic_and_additive(schedule, a, b, c):
    a, b, c = sorted((a, b, c))
    ab = business_time_between(schedule, a, b)
    bc = business_time_between(schedule, b, c)
    assert business_time_between(schedule, a, c) == ab + bc
    assert ab <= c - a


@settings(max_examples=100, deadline=None)
@given(instants, st.integers(min_value=1, max_value=60 * 24 * 10))
def test_office_results_fall_inside_working_hours(start, minutes):
    end = add_business_minutes(OFFICE, start, minutes).astimezone(BERLIN)
    assert end.weekday() < 5 and end.date() not in DE_BE
    assert time(9) < end.time() <= time(17)
