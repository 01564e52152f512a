"""The staff screens in Simplified Chinese: the committed catalog is in use, by the browser's
choice or by the staff user's own."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from django.utils.translation import gettext as _

from complaints import services
from complaints.models import StaffProfile, State
from core.errors import InvalidDataError

LOCALE = Path(settings.BASE_DIR) / "locale" / "zh_Hans" / "LC_MESSAGES"


def test_languages_are_those_of_the_practice():
    # Completeness of each catalog is tests/test_catalogs.py's job.
    assert [code for code, _name in settings.LANGUAGES] == ["en", "zh-hans", "zh-hant", "th", "bg"]


def test_activating_zh_hans_translates():
    with translation.override("zh-hans"):
        assert _("Acknowledge") == "确认受理"
        assert str(State.VENTING.label) == "倾诉中"
    with translation.override("en"):
        assert _("Acknowledge") == "Acknowledge"


@pytest.mark.django_db
def test_pages_follow_the_browsers_language(client, frontline, walk):
    complaint = walk("acknowledged")
    client.force_login(frontline)
    zh = {"HTTP_ACCEPT_LANGUAGE": "zh-Hans,zh;q=0.9"}
    queue = client.get("/admin/complaints/complaint/", **zh).content.decode()
    assert "剩余时间" in queue and "我和我团队的" in queue
    page = client.get(f"/admin/complaints/complaint/{complaint.pk}/change/", **zh)
    html = page.content.decode()
    assert "时间线" in html and "致歉" in html  # timeline heading, the Apologize button
    assert "确认受理: 倾诉中 → 已确认受理" in html  # the workflow step, in the timeline
    english = client.get(f"/admin/complaints/complaint/{complaint.pk}/change/").content.decode()
    assert "Timeline" in english and "时间线" not in english


ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-Hans,zh;q=0.9"}


def _lang(response) -> str:
    """The language a page was rendered in (its <html lang>, and its Content-Language)."""
    html_lang = re.search(r'<html lang="([^"]+)"', response.content.decode()).group(1)
    assert response["Content-Language"] == html_lang
    return html_lang


@pytest.mark.django_db
def test_a_staff_user_picks_the_language_of_their_screens(client, frontline):
    client.force_login(frontline)
    form = client.get("/admin/complaints/complaint/language/").content.decode()
    assert 'id="language-form"' in form and "简体中文" in form
    answer = client.post("/admin/complaints/complaint/language/", {"language": "zh-hans"})
    assert answer.status_code == 302
    # The pick wins over an English browser, on the next page and on a new session.
    english = {"HTTP_ACCEPT_LANGUAGE": "en"}
    assert _lang(client.get("/admin/complaints/complaint/", **english)) == "zh-hans"
    client.logout()
    client.force_login(frontline)
    assert _lang(client.get("/admin/complaints/complaint/", **english)) == "zh-hans"
    # Back to the browser's choice.
    client.post("/admin/complaints/complaint/language/", {"language": ""})
    assert _lang(client.get("/admin/complaints/complaint/", **english)) == "en"
    assert _lang(client.get("/admin/complaints/complaint/", **ZH)) == "zh-hans"


@pytest.mark.django_db
def test_a_language_not_offered_is_refused_and_nothing_stored(client, frontline):
    client.force_login(frontline)
    answer = client.post("/admin/complaints/complaint/language/", {"language": "xx"})
    assert answer.status_code == 200 and b"errorlist" in answer.content
    assert not StaffProfile.objects.exists()
    with pytest.raises(InvalidDataError):
        services.staff_language_set(user=frontline, language="klingon")


@pytest.mark.django_db
def test_the_pick_is_read_once_per_session(client, frontline):
    services.staff_language_set(user=frontline, language="zh-hans")
    client.force_login(frontline)  # reads the profile into the session
    with CaptureQueriesContext(connection) as queries:
        page = client.get("/admin/")
    assert _lang(page) == "zh-hans"
    assert [q["sql"] for q in queries if "staffprofile" in q["sql"].lower()] == []


@pytest.mark.django_db
def test_a_session_from_before_profiles_gets_the_pick(client, frontline):
    client.force_login(frontline)
    session = client.session
    session.pop("redress_language", None)
    session.save()
    services.staff_language_set(user=frontline, language="zh-hans")
    assert _lang(client.get("/admin/complaints/complaint/")) == "zh-hans"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "email_message", "nul_message"),
    [
        ("en", "Enter a valid email address.", "Must not contain NUL characters."),
        ("th", "กรอกอีเมลให้ถูกต้อง", None),
        ("bg", "Въведете валиден имейл адрес.", None),
    ],
)
def test_intake_field_messages_are_in_the_active_language(language, email_message, nul_message):
    with translation.override(language), pytest.raises(InvalidDataError) as refused:
        services.complaint_intake(
            customer_name="Cora",
            customer_email="not-an-address",
            subject="Opener",
            description="a\x00b",
            channel="email",
            category="product",
            severity="normal",
            actor=None,
        )
    fields = refused.value.fields
    assert fields["customer.email"] == [email_message]
    (nul,) = fields["description"]
    if nul_message:
        assert nul == nul_message
    else:  # translated: not the English text
        assert nul != "Must not contain NUL characters." and "NUL" in nul
