"""The tone hint in Thai, in a real browser whose language is Thai (Accept-Language th-TH, no
language picked on the profile): a reply that tells the customer to calm down and hides behind
company policy gets a hint in Thai under the reply box; a polite reply gets none.

Thai is written without spaces between words, so this also shows the hint finds phrases inside
running text. The screen's strings are copied from locale/th/LC_MESSAGES/django.po.
"""

from __future__ import annotations

import re

import pytest
from django.core.management import call_command

from complaints.models import Complaint
from tests.browser.test_frontline import login

pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

HARSH = "ใจเย็นๆ ก่อนนะ นี่เป็นนโยบายบริษัท"
POLITE = "ขออภัยเป็นอย่างยิ่งค่ะ เราจะส่งที่เปิดมะพร้าวให้ภายในวันนี้ และจะแจ้งความคืบหน้าให้ทราบค่ะ"
THAI = re.compile(r"[\u0e00-\u0e7f]")
LATIN = re.compile(r"[A-Za-z]")


@pytest.fixture
def demo(transactional_db, monkeypatch):
    monkeypatch.setenv("DEMO_PASSWORD", "demo")
    call_command("load_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115


def test_a_thai_reply_gets_a_thai_tone_hint(demo, browse, step, snapshot):
    coconut = Complaint.objects.get(external_id="demo-coconut")
    with browse(locale="th-TH") as page:
        step("login")
        login(page, "frontline")
        assert page.locator("html").get_attribute("lang") == "th"

        step("workbench")
        page.goto(f"/admin/complaints/complaint/{coconut.pk}/change/")
        page.wait_for_selector("#timeline")
        assert page.locator("#timeline h2").inner_text().strip() == "ไทม์ไลน์"
        assert page.locator("#message-form h2").inner_text().strip() == ("เพิ่มคำตอบหรือบันทึกภายใน")

        step("harsh-reply")
        reply = page.locator("#message-form textarea[name=body]")
        reply.fill(HARSH)
        hints = page.locator("#message-form .redress-tone-hints")
        hints.locator("li").first.wait_for()
        assert hints.locator("strong").inner_text() == "ก่อนส่ง:"  # Before you send:
        marked = dict(
            zip(
                hints.locator("li").evaluate_all("(all) => all.map((li) => li.dataset.kind)"),
                hints.locator("li mark").all_inner_texts(),
                strict=True,
            )
        )
        assert marked == {"dismissing": "ใจเย็นๆ", "policy": "นี่เป็นนโยบายบริษัท"}, marked
        for text in hints.locator("li").all_inner_texts():
            assert THAI.search(text) and not LATIN.search(text), text
            assert "ลองใช้:" in text  # Try:
        snapshot(page, "thai-hint")

        step("polite-reply")
        reply.fill(POLITE)
        hints.wait_for(state="hidden")
        assert hints.locator("li").count() == 0
