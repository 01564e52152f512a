"""The mail round trip in a real browser: a customer's mail dropped into the maildir inbox (the
door `make run` polls) appears in the frontline queue; the agent replies on the complaint page;
the reply leaves as a mail through a real SMTP server (aiosmtpd) with the reference in the
subject and Message-ID / In-Reply-To / References threading it; the customer's answer to that
mail lands on the same complaint and is on the page."""

from __future__ import annotations

import pytest

from complaints.models import Complaint
from mail import maildir
from mail.models import InboundMail, OutboundMail
from mail.services import mail_send_due
from tests import factories
from tests.browser.test_frontline import login
from tests.mail.inbound_eml import eml

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

FIRST_ID = "<opener-1@client.example>"


@pytest.fixture
def inbox(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.MAIL_INBOX_DIR = str(tmp_path / "inbox")
    settings.MAIL_QUARANTINE_DIR = str(tmp_path / "quarantine")
    return tmp_path / "inbox"


def drop(inbox, name: str, raw: bytes) -> None:
    """As a maildir writer does: into tmp/, then renamed into new/."""
    (inbox / "tmp").mkdir(parents=True, exist_ok=True)
    (inbox / "new").mkdir(parents=True, exist_ok=True)
    (inbox / "tmp" / name).write_bytes(raw)
    (inbox / "tmp" / name).rename(inbox / "new" / name)


def test_a_mail_becomes_a_complaint_the_reply_threads_and_the_answer_comes_back(
    inbox,
    smtp,
    browse,
    step,
):
    agent = factories.UserFactory(username="frontline", groups=["frontline"], password="demo")
    drop(
        inbox,
        "1733300000.M1P1.host",
        eml(
            msgid=FIRST_ID,
            sender="Nora Nut <nora@example.com>",
            subject="My coconut opener never came",
            body="I paid for the opener and it is not in the box. What now?",
        ),
    )
    assert maildir.maildir_poll() == {"ingested": 1}
    complaint = Complaint.objects.get()
    reference = complaint.reference

    with browse() as page:
        step("queue")
        login(page, agent.username)
        row = page.locator("#result_list tbody tr", has_text="My coconut opener never came")
        assert row.count() == 1, page.locator("#result_list").inner_text()
        assert reference in row.inner_text()
        row.locator("a", has_text="My coconut opener never came").click()
        page.wait_for_selector("#timeline")
        assert "it is not in the box" in page.locator("#timeline").inner_text()

        step("reply")
        page.fill(
            "#message-form textarea[name=body]", "Nora, I am sorry: the opener goes out today."
        )
        page.select_option("#message-form select[name=visibility]", "public")
        page.click("#message-form input[type=submit]")
        page.wait_for_selector("#timeline")
        assert "the opener goes out today" in page.locator("#timeline").inner_text()

    # What the worker does after commit: the reply leaves through the SMTP server.
    assert mail_send_due() == {"sent": 1}
    ((rcpt, sent),) = smtp.messages
    ours = OutboundMail.objects.get(complaint=complaint)
    assert rcpt == ["nora@example.com"]
    assert sent["Subject"] == f"[{reference}] My coconut opener never came"
    assert sent["Message-ID"] == ours.msgid and reference in ours.msgid
    assert sent["In-Reply-To"] == FIRST_ID
    assert FIRST_ID in sent["References"].split()
    assert "the opener goes out today" in sent.get_body(("plain",)).get_content()

    # The customer answers that mail from her client: threaded by In-Reply-To / References.
    drop(
        inbox,
        "1733300100.M2P1.host",
        eml(
            msgid="<opener-2@client.example>",
            sender="Nora Nut <nora@example.com>",
            subject=f"Re: {sent['Subject']}",
            body=(
                "Thank you! Will it come by Friday?\n\n"
                "On Fri, Customer care wrote:\n> Nora, I am sorry: the opener goes out today.\n"
            ),
            headers={
                "In-Reply-To": sent["Message-ID"],
                "References": f"{FIRST_ID} {sent['Message-ID']}",
            },
        ),
    )
    assert maildir.maildir_poll() == {"ingested": 1}
    answer = InboundMail.objects.get(msgid="<opener-2@client.example>")
    assert answer.complaint_id == complaint.pk and Complaint.objects.count() == 1

    with browse() as page:
        step("answer")
        login(page, agent.username)
        page.goto(f"/admin/complaints/complaint/{complaint.pk}/change/")
        timeline = page.locator("#timeline").inner_text()
        assert "Will it come by Friday?" in timeline
        # Only her new words: the quoted history is stripped for display.
        assert timeline.count("the opener goes out today") == 1
