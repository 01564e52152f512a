"""A frontline shift in Simplified Chinese, in a real browser: the agent picks 简体中文 from the
"Language" link in the user tools (kept on their profile), works the queue and the workbench
without meeting English, gets a Chinese tone hint on a harsh Chinese reply, softens it (the hint
goes away) and acknowledges the venting coconut complaint with a promise.

The expected Chinese strings are copied from locale/zh_Hans/LC_MESSAGES/django.po, so a catalog
that loses one fails here; the English ones come from the admin itself (its column labels and
filter titles rendered in English), so a column or filter added later is checked too.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.contrib import admin
from django.contrib.admin.utils import label_for_field
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.utils import timezone, translation
from django.utils.text import capfirst

from complaints import notes, services
from complaints.models import Complaint, StaffProfile
from mail import services as mail_services
from tests.browser.test_frontline import login

pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

HARSH = "这是公司规定，不可能退款，你应该早点联系我们。"
SOFT = (
    "非常抱歉，开椰器没有随货寄出，给您添麻烦了。我们今天就用快递为您补寄，并在两天内告诉您进展。"
)
LATIN = re.compile(r"[A-Za-z]")
HAN = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture
def demo(transactional_db, monkeypatch):
    monkeypatch.setenv("DEMO_PASSWORD", "demo")
    call_command("load_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115


def english_queue_labels() -> tuple[set[str], set[str]]:
    """The queue's column headers and filter titles as an English user reads them."""
    model_admin = admin.site._registry[Complaint]
    with translation.override("en"):
        columns = {
            str(capfirst(label_for_field(name, Complaint, model_admin)))
            for name in model_admin.list_display
        }
        filters = {
            str(Complaint._meta.get_field(spec).verbose_name)
            if isinstance(spec, str)
            else str(spec.title)
            for spec in model_admin.list_filter
        }
    return columns, filters


def system_notes_on(complaint: Complaint) -> None:
    """What the system writes on a complaint's timeline while the shift works it, stored (in
    English text) before the agent ever picks Chinese: a bounced mail and an approval note."""
    services.message_add(
        complaint_id=complaint.pk,
        actor=None,
        visibility="internal",
        note=notes.Note(
            mail_services.BOUNCED,
            {"kind": "reply", "to": "cora@example.com", "attempts": 1, "error": "550 5.1.1"},
        ),
    )


def test_frontline_works_a_shift_in_simplified_chinese(demo, browse, step, snapshot):
    system_notes_on(Complaint.objects.get(external_id="demo-coconut"))
    english_columns, english_filters = english_queue_labels()
    assert {"Reference", "Customer", "Time left", "Age"} <= english_columns
    with browse() as page:
        step("login")
        login(page, "frontline")

        step("pick-language")
        page.click("#user-tools a#language-link")
        page.wait_for_selector("#language-form")
        page.select_option("#id_language", label="简体中文")
        page.click("#language-form input[type=submit]")
        page.wait_for_selector(".messagelist .success")
        assert (
            page.locator(".messagelist .success").inner_text()
            == "您的界面现已使用您选择的语言和时区。"
        )
        assert page.locator("html").get_attribute("lang") == "zh-hans"

        step("queue")
        page.goto("/admin/complaints/complaint/?queue=open")
        page.wait_for_selector("#result_list tbody tr")
        headers = [
            text.strip()
            for text in page.locator("#result_list thead th .text").all_inner_texts()
            if text.strip()
        ]
        for chinese in ("编号", "剩余时间", "客户", "状态", "负责人", "升级级别", "已过时间"):
            assert chinese in headers, (chinese, headers)
        english = [h for h in headers if h in english_columns or LATIN.search(h)]
        assert not english, f"English column headers in zh-hans: {english}"
        titles = [
            t.strip()
            for t in page.locator("#changelist-filter details").evaluate_all(
                "(all) => all.map((d) => d.dataset.filterTitle)"
            )
        ]
        for chinese in ("队列", "状态", "类别", "严重程度", "升级级别"):
            assert chinese in titles, (chinese, titles)
        english = [t for t in titles if t in english_filters or LATIN.search(t)]
        assert not english, f"English filter titles in zh-hans: {english}"
        # The model names in the title, the breadcrumbs and the sidebar ("选择 complaint 来修改").
        assert page.locator("#content h1").inner_text().strip() == "选择 投诉 来修改"
        for where in (
            "#content h1",
            ".breadcrumbs",
            "#nav-sidebar caption",
            "#nav-sidebar th[scope=row]",
        ):
            for text in page.locator(where).all_inner_texts():
                assert not LATIN.search(text), f"English in {where}: {text!r}"

        step("search")
        page.fill("#searchbar", "coconut")
        page.press("#searchbar", "Enter")
        page.wait_for_url("**q=coconut**")
        rows = page.locator("#result_list tbody tr", has_text="倾诉中")  # Venting
        assert rows.count() == 1
        rows.first.locator("a", has_text="Coconut opener").click()
        page.wait_for_selector("#timeline")

        step("workbench")
        assert page.locator("#timeline h2").inner_text().strip() == "时间线"
        acknowledge = page.locator("a[data-transition=acknowledge]")
        assert acknowledge.inner_text().strip() == "确认受理"
        assert page.locator("#message-form input[type=submit]").get_attribute("value") == (
            "添加到时间线"
        )
        assert page.locator("#customer h2").inner_text().strip() == "客户"
        # A system note written in English before the pick reads in Chinese; only what it
        # quotes (the address, the mail server's answer) stays as it was.
        system = page.locator("#timeline li.redress-entry-system")
        assert system.count() >= 1
        for text in system.all_inner_texts():
            words = re.sub(r"cora@example\.com|550 5\.1\.1|\d", " ", text)
            assert HAN.search(words) and not LATIN.search(words), text

        step("harsh-reply")
        acknowledge.click()
        page.wait_for_selector("#transition-form")
        page.fill("#id_summary", "订购的四个椰子到货时没有附上承诺的开椰器。")
        page.fill("#id_message", HARSH)
        hints = page.locator("#transition-form .redress-tone-hints")
        hints.locator("li").first.wait_for()
        assert hints.locator("strong").inner_text() == "发送前请注意："
        kinds = hints.locator("li").evaluate_all("(all) => all.map((li) => li.dataset.kind)")
        assert set(kinds) == {"policy", "categorical", "blame"}, kinds
        assert hints.locator("li[data-kind=policy] mark").inner_text() == "这是公司规定"
        for text in hints.locator("li").all_inner_texts():
            assert HAN.search(text) and not LATIN.search(text), text
            assert "试试：" in text

        step("soft-reply")
        page.fill("#id_message", SOFT)
        hints.wait_for(state="hidden")
        assert hints.locator("li").count() == 0

        step("acknowledge")
        promise = (timezone.localtime() + timedelta(days=2)).replace(hour=17, minute=0)
        page.fill("#id_promised_by", promise.strftime("%Y-%m-%dT%H:%M"))
        page.check("#id_summary_confirmed")
        page.click("#transition-form input[name=_confirm]")
        page.wait_for_selector("#timeline")
        assert page.locator(".messagelist .success").count() == 1
        state = page.locator("#complaint-summary .redress-state")
        assert state.inner_text().strip() == "已确认受理"  # Acknowledged
        assert "开椰器没有随货寄出" in page.locator("#timeline").inner_text()
        assert page.locator("a[data-transition=acknowledge]").count() == 0
        snapshot(page, "acknowledged")

    complaint = Complaint.objects.get(external_id="demo-coconut")
    assert complaint.state == "acknowledged"
    assert complaint.promised_by is not None
    assert complaint.summary_confirmed
    # The pick is kept on the profile, not only in this browser's session.
    frontline = get_user_model().objects.get(username="frontline")
    assert StaffProfile.objects.get(user=frontline).language == "zh-hans"
