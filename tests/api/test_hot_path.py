"""The API's hot path stays cheap: token auth reads the roles with the token, holidays are
expanded once per process. Each test also checks the answer is still right (no stale roles)."""

from datetime import date

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext

from api.services import api_token_authenticate
from core import roles
from escalation.models import BusinessCalendar, holiday_dates
from tests.api.conftest import token_for


@pytest.mark.django_db
def test_token_auth_roles_follow_group_changes(integration):
    key = token_for(integration)
    assert roles.user_roles(api_token_authenticate(key=key).user) == {roles.INTEGRATION}
    integration.groups.add(Group.objects.get_or_create(name=roles.MANAGER)[0])
    user = api_token_authenticate(key=key).user  # a new request: nothing remembered
    assert roles.user_roles(user) == {roles.INTEGRATION, roles.MANAGER}
    assert roles.user_rank(user) == 3


@pytest.mark.django_db
@pytest.mark.postgres
def test_token_auth_and_roles_take_one_query(integration):
    key = token_for(integration)
    api_token_authenticate(key=key)  # stamps last_used_at (at most once per 5 minutes)
    with CaptureQueriesContext(connection) as queries:
        token = api_token_authenticate(key=key)
        assert roles.is_integration(token.user)
    assert len(queries) == 1, [q["sql"] for q in queries]


def test_holiday_dates_are_computed_once_per_country_and_year():
    berlin = holiday_dates("DE", "BE", 2027)
    assert holiday_dates("DE", "BE", 2027) is berlin
    assert date(2027, 3, 8) in berlin  # Women's Day: Berlin only
    assert date(2027, 3, 8) not in holiday_dates("DE", "", 2027)
    assert date(2027, 12, 25) in holiday_dates("DE", "", 2027)
    assert all(day.year == 2027 for day in berlin)


@pytest.mark.django_db
def test_calendar_schedule_uses_holidays_and_closed_dates():
    calendar = BusinessCalendar.objects.create(
        name="Berlin hot path", holiday_country="DE", holiday_subdivision="BE"
    )
    calendar.closed_dates.create(date=date(2027, 3, 9), reason="offsite")
    schedule = BusinessCalendar.objects.get(pk=calendar.pk).schedule
    assert schedule.is_closed(date(2027, 3, 8))
    assert schedule.is_closed(date(2027, 3, 9))
    assert schedule.is_closed(date(2028, 1, 1))
    assert not schedule.is_closed(date(2027, 3, 10))
