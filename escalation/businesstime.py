"""Business-time arithmetic as pure functions over a `Schedule`.

Invariants: every instant passed in or returned is timezone-aware; working windows are computed in
the schedule's local time but all arithmetic is done in UTC, so days that are 23 or 25 hours long
(daylight-saving changes) count exactly the working time that really elapses. A start outside
working hours (night, weekend, holiday) counts from the next opening.
For every start `s` and duration `n >= 0`: `business_time_between(s, add_business_time(s, n)) == n`.
No database access and no project imports here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

MAX_DAYS = 366 * 5  # a schedule with no working day in five years is a configuration error
MINUTE = timedelta(minutes=1)


@dataclass(frozen=True)
class Schedule:
    """Working hours of one calendar.

    `hours[weekday]` (Monday = 0) is `(opens, closes)` in local time or None for a closed day;
    `closes` may be `time(0)` to mean midnight at the end of the day. `is_closed(day)` says
    whether a date is a holiday or an extra closed date.
    """

    tz: ZoneInfo
    hours: tuple[tuple[time, time] | None, ...]
    is_closed: Callable[[date], bool] = field(default=lambda _day: False)

    def __post_init__(self) -> None:
        if len(self.hours) != 7:
            raise ValueError("hours needs one entry per weekday")


def always_open(tz: ZoneInfo | None = None) -> Schedule:
    """A 24/7 schedule: business time equals wall-clock time."""
    return Schedule(tz=tz or ZoneInfo("UTC"), hours=((time(0), time(0)),) * 7)


def _window(schedule: Schedule, day: date) -> tuple[datetime, datetime] | None:
    """The working window of `day` in UTC, or None when closed."""
    slot = schedule.hours[day.weekday()]
    if slot is None or schedule.is_closed(day):
        return None
    opens, closes = slot
    start = datetime.combine(day, opens, tzinfo=schedule.tz).astimezone(UTC)
    end_day = day + timedelta(days=1) if closes == time(0) else day
    end = datetime.combine(end_day, closes, tzinfo=schedule.tz).astimezone(UTC)
    if end <= start:  # a window swallowed by a daylight-saving jump
        return None
    return start, end


def _windows_from(schedule: Schedule, instant: datetime) -> Iterator[tuple[datetime, datetime]]:
    """Working windows that end after `instant`, in order (starting the day before, for
    windows that run past midnight)."""
    day = instant.astimezone(schedule.tz).date() - timedelta(days=1)
    for _ in range(MAX_DAYS):
        window = _window(schedule, day)
        if window is not None and window[1] > instant:
            yield window
        day += timedelta(days=1)
    raise ValueError("The calendar has no working hours within five years.")


def _check_aware(*instants: datetime) -> None:
    for instant in instants:
        if instant.tzinfo is None or instant.utcoffset() is None:
            raise ValueError("Business time needs timezone-aware datetimes.")


def add_business_time(schedule: Schedule, start: datetime, duration: timedelta) -> datetime:
    """The instant at which `duration` of working time has elapsed after `start` (UTC)."""
    _check_aware(start)
    if duration < timedelta(0):
        raise ValueError("duration must not be negative")
    start = start.astimezone(UTC)
    if duration == timedelta(0):
        return start
    left = duration
    for opens, closes in _windows_from(schedule, start):
        begin = max(opens, start)
        available = closes - begin
        if left <= available:
            return begin + left
        left -= available
    raise AssertionError("unreachable")  # pragma: no cover


def business_time_between(schedule: Schedule, start: datetime, end: datetime) -> timedelta:
    """Working time between two instants; zero when `end` is not after `start`."""
    _check_aware(start, end)
    start, end = start.astimezone(UTC), end.astimezone(UTC)
    total = timedelta(0)
    if end <= start:
        return total
    for opens, closes in _windows_from(schedule, start):
        if opens >= end:
            break
        total += min(closes, end) - max(opens, start)
    return total


def add_business_minutes(schedule: Schedule, start: datetime, minutes: int) -> datetime:
    return add_business_time(schedule, start, minutes * MINUTE)


def business_minutes_between(schedule: Schedule, start: datetime, end: datetime) -> int:
    """Whole working minutes between two instants (rounded down)."""
    return business_time_between(schedule, start, end) // MINUTE
