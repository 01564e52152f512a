"""A staff user's own time zone (StaffProfile.time_zone, picked on the profile page): due times,
the queue and date inputs are shown and read in it, for their requests only."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from complaints import services
from complaints.models import Complaint, StaffProfile
from core.errors import InvalidDataError
from tests.factories import complaint_new

PROFILE = "/admin/complaints/complaint/language/"
pytestmark = pytest.mark.django_db


def _acknowledged_until(promise: datetime, actor) -> Complaint:
    c = complaint_new()
    return services.complaint_acknowledge(
        complaint_id=c.pk, actor=actor, summary="Opener", message="I see.", promised_by=promise
    )


def test_a_staff_user_in_bangkok_sees_due_times_in_plus_seven(client, frontline):
    promise = (timezone.now() + timedelta(days=2)).replace(minute=0, second=0, microsecond=0)
    c = _acknowledged_until(promise, frontline)
    client.force_login(frontline)
    form = client.get(PROFILE).content.decode()
    assert 'name="time_zone"' in form and "Asia/Bangkok" in form
    picked = client.post(PROFILE, {"language": "", "time_zone": "Asia/Bangkok"})
    assert picked.status_code == 302
    assert StaffProfile.objects.get(user=frontline).time_zone == "Asia/Bangkok"

    page = client.get(f"/admin/complaints/complaint/{c.pk}/change/").content.decode()
    panel = page[page.index('id="deadlines"') :]
    panel = panel[: panel.index("</div>")]
    bangkok = promise.astimezone(timezone.get_fixed_timezone(7 * 60))
    assert "Asia/Bangkok" in panel
    assert f'datetime="{bangkok:%Y-%m-%dT%H:%M:%S}+07:00"' in panel
    assert f"{bangkok:%Y-%m-%d %H:%M}" in panel

    queue = client.get("/admin/complaints/complaint/").content.decode()
    assert "+07:00" in queue and "+07" in queue

    pause = client.get(
        reverse("admin:complaints_complaint_transition", args=[c.pk, "pause"])
    ).content.decode()
    assert "time zone: Asia/Bangkok" in pause
    # The request's time zone ends with it.
    assert timezone.get_current_timezone_name() == settings.TIME_ZONE


def test_a_date_input_is_read_in_the_agents_time_zone(client, frontline):
    StaffProfile.objects.create(user=frontline, time_zone="Asia/Bangkok")
    client.force_login(frontline)
    c = complaint_new()
    local = (datetime.now(UTC) + timedelta(days=1)).astimezone(timezone.get_fixed_timezone(7 * 60))
    typed = local.strftime("%Y-%m-%dT%H:%M")
    answer = client.post(
        reverse("admin:complaints_complaint_transition", args=[c.pk, "acknowledge"]),
        {"summary": "Opener", "message": "I see.", "promised_by": typed, "expected_version": 1},
    )
    assert answer.status_code == 302
    c.refresh_from_db()
    assert c.promised_by == local.replace(second=0, microsecond=0)


def test_a_time_zone_not_offered_is_refused_and_nothing_stored(client, frontline):
    client.force_login(frontline)
    answer = client.post(PROFILE, {"language": "", "time_zone": "Mars/Olympus"})
    assert answer.status_code == 200 and b"errorlist" in answer.content
    assert not StaffProfile.objects.exists()
    with pytest.raises(InvalidDataError) as refused:
        services.staff_profile_set(user=frontline, language="th", time_zone="Mars/Olympus")
    assert "time_zone" in refused.value.fields
    assert not StaffProfile.objects.exists()


def test_a_new_profile_starts_in_the_site_time_zone(frontline):
    profile = services.staff_language_set(user=frontline, language="th")
    assert profile.time_zone == settings.TIME_ZONE
