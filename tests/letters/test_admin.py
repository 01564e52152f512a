"""Staff screens of letters: the complaint page's panel sends a letter (a refusal names what is
missing and sends nothing), lists the letters with their PDF; managers (only) edit templates,
each save logged; the letter log and the panel do not grow in queries with their rows."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from letters import services
from letters.models import Letter, LetterTemplate, LetterTemplateChange
from tests.factories import complaint_in
from tests.letters.conftest import FCA, remedied

pytestmark = pytest.mark.django_db


def _page(complaint) -> str:
    return reverse("admin:complaints_complaint_change", args=[complaint.pk])


def test_the_workbench_sends_a_letter_or_says_what_is_missing(client, frontline):
    c = complaint_in("apologized", category=FCA)
    client.force_login(frontline)
    page = client.get(_page(c)).content.decode()
    assert 'id="letter-send"' in page and "No letter sent yet." in page
    send = reverse("admin:letters_letter_send", args=[c.pk])
    refused = client.post(send, {"kind": "final_response", "expected_version": c.version})
    assert refused.status_code == 302 and refused["Location"] == _page(c)
    note = [str(m) for m in get_messages(refused.wsgi_request)][-1]
    assert "the outcome" in note and "the reasons for the outcome" in note
    assert not Letter.objects.exists()

    done = remedied(frontline)
    send = reverse("admin:letters_letter_send", args=[done.pk])
    sent = client.post(send, {"kind": "final_response", "expected_version": done.version})
    note = [str(m) for m in get_messages(sent.wsgi_request)][-1]
    assert "Final response sent" in note, note
    letter = Letter.objects.get()
    page = client.get(_page(done)).content.decode()
    pdf = letter.message.attachments.get()
    assert reverse("admin:complaints_complaint_attachment", args=[pdf.pk]) in page
    assert pdf.filename in page


def test_a_stale_page_is_refused(client, frontline):
    c = complaint_in("acknowledged")
    client.force_login(frontline)
    send = reverse("admin:letters_letter_send", args=[c.pk])
    stale = client.post(send, {"kind": "acknowledgement", "expected_version": c.version - 1 or 99})
    note = [str(m) for m in get_messages(stale.wsgi_request)][-1]
    assert "changed" in note and not Letter.objects.exists()


def test_managers_edit_templates_and_each_save_is_logged(client, frontline, manager):
    add = reverse("admin:letters_lettertemplate_add")
    data = {
        "regime": "uk_fca_disp",
        "kind": "holding_reply",
        "language": "th",
        "subject": "{{ reference }}",
        "body": "เรียน {{ customer_name }} {{ final_due }}",
        "active": "on",
    }
    client.force_login(frontline)
    assert client.get(reverse("admin:letters_lettertemplate_changelist")).status_code == 200
    assert client.post(add, data).status_code == 403
    client.force_login(manager)
    assert client.post(add, data).status_code == 302
    template = LetterTemplate.objects.get()
    change = reverse("admin:letters_lettertemplate_change", args=[template.pk])
    assert client.post(change, {**data, "body": data["body"] + " ขอบคุณ"}).status_code == 302
    assert [c.action for c in LetterTemplateChange.objects.order_by("id")] == [
        "created",
        "changed",
    ]
    assert LetterTemplate.objects.get().body.endswith("ขอบคุณ")
    log = reverse("admin:letters_lettertemplatechange_changelist")
    assert client.get(log).status_code == 200


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_the_letter_log_and_the_panel_do_not_grow_in_queries(client, frontline):
    client.force_login(frontline)
    c = complaint_in("acknowledged")
    services.letter_send(complaint_id=c.pk, actor=frontline, kind="acknowledgement")
    log = reverse("admin:letters_letter_changelist")
    small_log, small_page = _queries(client, log), _queries(client, _page(c))
    for _ in range(3):
        services.letter_send(complaint_id=c.pk, actor=frontline, kind="holding_reply")
    assert Letter.objects.count() == 4
    assert _queries(client, log) == small_log
    assert _queries(client, _page(c)) == small_page
