"""Breaches and warnings this week: the selector, and its panel on the insight dashboard."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from complaints import extensions
from complaints.models import Complaint
from escalation.admin import deadline_week_panel
from escalation.models import Deadline
from escalation.selectors import deadline_week, week_start
from tests.factories import complaint_new

BERLIN = ZoneInfo("Europe/Berlin")
WEDNESDAY_NOON = datetime(2026, 11, 25, 12, 0, tzinfo=BERLIN)
MONDAY = datetime(2026, 11, 23, 0, 0, tzinfo=BERLIN)


@pytest.mark.parametrize(
    "now, start",
    [
        (WEDNESDAY_NOON, MONDAY),
        (MONDAY, MONDAY),
        (MONDAY - timedelta(minutes=1), MONDAY - timedelta(days=7)),
        (datetime(2026, 11, 22, 23, 30, tzinfo=ZoneInfo("UTC")), MONDAY),  # 00:30 in Berlin
        # the week of the switch to summer time starts at midnight too
        (datetime(2026, 3, 31, 9, 0, tzinfo=BERLIN), datetime(2026, 3, 30, 0, 0, tzinfo=BERLIN)),
    ],
)
def test_the_week_starts_on_monday_midnight_local_time(settings, now, start):
    settings.TIME_ZONE = "Europe/Berlin"
    assert week_start(now) == start


def deadline(complaint: Complaint, kind: str, **stamps) -> Deadline:
    status = "breached" if stamps.get("breached_at") else "warned"
    return Deadline.objects.create(
        complaint=complaint,
        kind=kind,
        status=status,
        started_at=MONDAY - timedelta(days=14),
        due_at=MONDAY,
        warn_at=MONDAY,
        **stamps,
    )


@pytest.mark.django_db
def test_counts_what_happened_since_monday_by_kind(settings):
    settings.TIME_ZONE = "Europe/Berlin"
    c = complaint_new()
    day = lambda d, h: MONDAY + timedelta(days=d, hours=h)  # noqa: E731
    deadline(c, "promise", warned_at=day(1, 10), breached_at=day(2, 10))  # Tue warned, Wed breached
    deadline(c, "first_response", breached_at=day(0, 0.5))  # Monday 00:30
    deadline(c, "first_response", warned_at=day(-1, 23))  # last Sunday: not this week
    deadline(c, "resolution", warned_at=day(-3, 9), breached_at=day(-2, 9))  # last week
    deadline(c, "approval", warned_at=day(2, 11))  # Wed 11:00, still open
    deadline(c, "approval", warned_at=day(2, 13))  # after `now`: not counted
    Deadline.objects.create(  # pending, never warned: not counted
        complaint=c, kind="resolution", due_at=day(9, 0), warn_at=day(8, 0)
    )

    week = deadline_week(now=WEDNESDAY_NOON)
    assert week.since == MONDAY
    assert week.by_kind == [
        ("first_response", 0, 1),
        ("promise", 1, 1),
        ("resolution", 0, 0),
        ("approval", 1, 0),
        ("reg_final_response", 0, 0),  # the legal clocks count on the dashboard too
        ("reg_holding_reply", 0, 0),
        ("reg_summary_window", 0, 0),
    ]
    assert (week.warnings, week.breaches) == (2, 2)


@pytest.mark.django_db
def test_a_real_sweep_breach_is_counted(acknowledged):
    from escalation.services import deadline_sweep

    c = acknowledged(promise_in=timedelta(hours=1))
    promise = Deadline.objects.get(complaint=c, kind="promise")
    at = promise.due_at + timedelta(seconds=1)
    assert deadline_week(now=at).breaches == 0
    deadline_sweep(now=at)
    week = deadline_week(now=at)
    assert week.breaches == 1 and dict((k, b) for k, _w, b in week.by_kind)["promise"] == 1


@pytest.mark.django_db
def test_the_registered_complaint_admin_shows_the_panel(client, frontline, settings):
    settings.TIME_ZONE = "Europe/Berlin"
    assert deadline_week_panel in extensions.dashboard_panels()
    c = complaint_new()
    now = datetime.now(tz=BERLIN)
    deadline(c, "promise", breached_at=now - timedelta(seconds=2))
    deadline(c, "first_response", warned_at=now - timedelta(seconds=2))
    client.force_login(frontline)
    html = client.get("/admin/complaints/complaint/dashboard/").content.decode()
    panel = html[html.index('id="deadline-week"') :]
    assert '<dd class="redress-figure" id="breaches-this-week">1</dd>' in panel
    assert '<dd class="redress-figure" id="warnings-this-week">1</dd>' in panel
    assert 'data-label="Promise to the customer" data-value="1"' in panel
    assert panel.count("<svg") >= 2
