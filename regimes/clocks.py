"""When a regime's clock falls due: pure functions of the receipt time, the clock and the
regime's calendar (weekends and the `holidays` package's public holidays of its country).

- Calendar days: due at the end of the day `limit` days after the day of receipt.
- Business days: due at the end of the `limit`-th business day after the day of receipt (FCA
  DISP "by the close of the third business day after receipt"; PSD2 "15 business days").
- The warning comes `warn_days` of the same unit before (at the end of that day), never after
  the limit. Days are the regime's local days (its `time_zone`).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from escalation.models import holiday_dates
from regimes.models import DayCount, Regime, RegimeClock


def is_business_day(regime: Regime, day: date) -> bool:
    if day.weekday() >= 5:
        return False
    return not (
        regime.country and day in holiday_dates(regime.country, regime.subdivision, day.year)
    )


def business_days_after(regime: Regime, start: date, n: int) -> date:
    """The n-th business day after `start` (n = 0: `start` itself)."""
    day, counted = start, 0
    while counted < n:
        day += timedelta(days=1)
        if is_business_day(regime, day):
            counted += 1
    return day


def _end_of(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=tz)


def clock_window(
    *, regime: Regime, clock: RegimeClock, received_at: datetime
) -> tuple[datetime, datetime]:
    """(due_at, warn_at) of `clock` for a complaint received at `received_at`."""
    tz = ZoneInfo(regime.time_zone)
    received = received_at.astimezone(tz).date()
    warn_n = max(clock.limit - clock.warn_days, 0)
    if clock.days == DayCount.BUSINESS:
        due_day = business_days_after(regime, received, clock.limit)
        warn_day = business_days_after(regime, received, warn_n)
    else:
        due_day = received + timedelta(days=clock.limit)
        warn_day = received + timedelta(days=warn_n)
    due = _end_of(due_day, tz)
    return due, min(_end_of(warn_day, tz), due)
