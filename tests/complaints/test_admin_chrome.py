"""Django admin's own chrome is complete in every language: what Django's contrib catalogs lack
(core/admin_catalog.py, locale/*/djangojs.po) is translated in ours, which come first."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.factories import complaint_new

pytestmark = pytest.mark.django_db

# What Django's Thai catalog leaves in English on every admin page.
CHROME = [
    "Start typing to filter…",
    "Skip to main content",
    "Toggle theme (current theme: auto)",
    "Toggle navigation",
    "Filter navigation items",
    "Sidebar",
]


@pytest.mark.parametrize("language", ["th", "zh-hant", "bg", "zh-hans"])
def test_the_changelist_and_the_complaint_page_have_no_english_chrome(client, lead, language):
    c = complaint_new()
    client.force_login(lead)
    accept = {"HTTP_ACCEPT_LANGUAGE": language}
    for url in (
        reverse("admin:complaints_complaint_changelist"),
        reverse("admin:complaints_complaint_change", args=[c.pk]),
    ):
        html = client.get(url, **accept).content.decode()
        left = [text for text in CHROME if text in html]
        assert not left, f"{language} {url}: {left}"


def test_the_thai_admin_says_it_in_thai(client, lead):
    client.force_login(lead)
    html = client.get(
        reverse("admin:complaints_complaint_changelist"), HTTP_ACCEPT_LANGUAGE="th"
    ).content.decode()
    assert 'placeholder="พิมพ์เพื่อกรอง…"' in html
    assert "ข้ามไปยังเนื้อหาหลัก" in html
    history = client.get(
        reverse("admin:complaints_complaint_history", args=[complaint_new().pk]),
        HTTP_ACCEPT_LANGUAGE="th",
    ).content.decode()
    assert "doesn’t have a change history" not in history


def test_the_admin_javascript_catalog_has_thai_months_and_days(client, lead):
    client.force_login(lead)
    js = client.get(reverse("admin:jsi18n"), HTTP_ACCEPT_LANGUAGE="th").content.decode()
    js = js.encode().decode("unicode_escape") if "\\u0e" in js else js
    for thai in ("ม.ค.", "วันอาทิตย์", "(คลิกเพื่อล้าง)"):
        assert thai in js
