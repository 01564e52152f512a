"""The escalation admin in Simplified Chinese: deadlines and calendars follow the browser's
language (model names, column headers, choice labels, fieldset titles)."""

import pytest
from django.urls import reverse

from escalation.models import BusinessCalendar

ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-Hans,zh;q=0.9"}


@pytest.mark.django_db
def test_deadline_admin_in_simplified_chinese(client, manager, filed):
    complaint = filed()
    client.force_login(manager)
    html = client.get(reverse("admin:escalation_deadline_changelist"), **ZH).content.decode()
    assert complaint.reference in html
    for shown in ("截止时间", "首次回复", "计时中", "计划预警时间"):
        assert shown in html, shown
    assert "First response" not in html

    english = client.get(reverse("admin:escalation_deadline_changelist")).content.decode()
    assert "First response" in english and "首次回复" not in english


@pytest.mark.django_db
def test_calendar_admin_in_simplified_chinese(client, manager):
    calendar = BusinessCalendar.objects.first() or BusinessCalendar.objects.create(name="Berlin")
    client.force_login(manager)
    url = reverse("admin:escalation_businesscalendar_change", args=[calendar.pk])
    html = client.get(url, **ZH).content.decode()
    assert "工作时间（例如 09:00-17:00；留空表示休息）" in html
    assert "星期一" in html and "时区" in html
    assert "Working hours" not in html
