"""Calendars and policies: every agent may read them, only managers may change them."""

import pytest
from django.test import Client

from escalation.models import BusinessCalendar, ResponsePolicy

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_frontline_reads_but_cannot_change_policies(frontline):
    client = client_for(frontline)
    policy = ResponsePolicy.objects.first()
    assert client.get("/admin/escalation/responsepolicy/").status_code == 200
    page = client.get(f"/admin/escalation/responsepolicy/{policy.pk}/change/")
    assert page.status_code == 200 and b'name="first_response_minutes"' not in page.content
    response = client.post(
        f"/admin/escalation/responsepolicy/{policy.pk}/change/",
        {"first_response_minutes": 1, "resolution_minutes": 1, "approval_minutes": 1},
    )
    assert response.status_code == 403
    assert client.get("/admin/escalation/businesscalendar/add/").status_code == 403


def test_manager_changes_a_policy_and_a_calendar(manager):
    client = client_for(manager)
    policy = ResponsePolicy.objects.select_related("calendar").first()
    response = client.post(
        f"/admin/escalation/responsepolicy/{policy.pk}/change/",
        {
            "category": policy.category,
            "severity": policy.severity,
            "calendar": policy.calendar_id,
            "first_response_minutes": 30,
            "resolution_minutes": policy.resolution_minutes,
            "approval_minutes": policy.approval_minutes,
            "warn_percent": 80,
        },
    )
    assert response.status_code == 302, response.content[:2000]
    policy.refresh_from_db()
    assert (policy.first_response_minutes, policy.warn_percent) == (30, 80)
    calendar = policy.calendar
    response = client.post(
        f"/admin/escalation/businesscalendar/{calendar.pk}/change/",
        {
            "name": calendar.name,
            "time_zone": "Europe/Berlin",
            "holiday_country": "DE",
            "holiday_subdivision": "BE",
            "monday": "08:00-18:00",
            "tuesday": "bogus",
            "wednesday": "09:00-17:00",
            "thursday": "09:00-17:00",
            "friday": "09:00-17:00",
            "saturday": "",
            "sunday": "",
            "closed_dates-TOTAL_FORMS": 0,
            "closed_dates-INITIAL_FORMS": 0,
        },
    )
    assert response.status_code == 200 and b"like 09:00-17:00" in response.content
    calendar.refresh_from_db()
    assert calendar.monday == "09:00-17:00"  # the invalid form changed nothing


def test_deadlines_are_read_only_even_for_managers(manager):
    client = client_for(manager)
    assert client.get("/admin/escalation/deadline/").status_code == 200
    assert client.get("/admin/escalation/deadline/add/").status_code == 403


def test_calendar_schedule_includes_closed_dates():
    from datetime import date

    calendar = BusinessCalendar.objects.get(name="Default")
    calendar.closed_dates.create(date=date(2026, 12, 23), reason="Team day")
    calendar = BusinessCalendar.objects.get(pk=calendar.pk)
    assert calendar.schedule.is_closed(date(2026, 12, 23))
    assert calendar.schedule.is_closed(date(2026, 12, 25))  # a public holiday
    assert not calendar.schedule.is_closed(date(2026, 12, 22))
