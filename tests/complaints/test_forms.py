"""The complaint forms parse text and datetimes with core.formfields (issue 10): what the API
refuses as text is refused here; a promise typed without an offset is the user's local time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from complaints.forms import AcknowledgeForm, IntakeForm, PauseForm
from complaints.models import Complaint, Message
from tests.factories import complaint_new


def _ack(**changes):
    promise = (timezone.localtime() + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    return {"summary": "Opener missing", "message": "I see.", "promised_by": promise, **changes}


def test_acknowledge_reads_the_promise_in_the_users_time_zone():
    with timezone.override("Asia/Shanghai"):
        form = AcknowledgeForm(data=_ack(promised_by="2030-05-01T09:00"))
        assert form.is_valid(), form.errors
    assert form.cleaned_data["promised_by"] == datetime(2030, 5, 1, 1, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    "changes,field",
    [
        ({"promised_by": "2030-05-01"}, "promised_by"),
        ({"promised_by": "tomorrow"}, "promised_by"),
        ({"summary": "\u202eevil"}, "summary"),
        ({"message": "\u200b\u200b"}, "message"),
    ],
)
def test_acknowledge_refusals(changes, field):
    form = AcknowledgeForm(data=_ack(**changes))
    assert not form.is_valid() and list(form.errors) == [field]


def test_pause_until_is_optional_but_strict():
    assert PauseForm(data={"reason": "Photos"}).is_valid()
    assert list(PauseForm(data={"reason": "Photos", "until": "2030-05-01"}).errors) == ["until"]


@pytest.mark.parametrize(
    "field,value",
    [
        ("subject", "\u2066x\u2069"),
        ("subject", "a\nb"),
        ("customer_name", "\ufeff"),
        ("description", "\u202d"),
    ],
)
def test_intake_form_refuses_what_the_api_refuses(field, value):
    data = {
        "customer_name": "Cora",
        "customer_email": "cora@example.com",
        "channel": "phone",
        "category": "missing_item",
        "severity": "normal",
        "subject": "No opener",
        "description": "Taken for a ride!",
        field: value,
    }
    assert list(IntakeForm(data=data).errors) == [field]


@pytest.mark.django_db
def test_admin_message_with_a_bidi_override_is_refused_with_the_reason(client, frontline):
    client.force_login(frontline)
    c = complaint_new()
    before = Message.objects.count()
    url = reverse("admin:complaints_complaint_message", args=[c.pk])
    response = client.post(url, {"body": "pay \u202e0001", "visibility": "internal"}, follow=True)
    assert Message.objects.count() == before
    shown = [str(m) for m in response.context["messages"]]
    assert any("text-direction controls" in m for m in shown), shown
    assert Complaint.objects.get(pk=c.pk).version == c.version


@pytest.mark.django_db
def test_admin_triage_subject_is_clean_text(client, frontline):
    client.force_login(frontline)
    c = complaint_new()
    url = reverse("admin:complaints_complaint_triage", args=[c.pk])
    data = {"category": c.category, "severity": c.severity, "subject": "Late \u202e"}
    response = client.post(url, data)
    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["subject"]
    assert Complaint.objects.get(pk=c.pk).subject == c.subject
    assert client.post(url, {**data, "subject": "Late"}).status_code == 302


@pytest.mark.django_db
def test_generic_screens_parse_text_too(client, lead, manager):
    from complaints.models import CannedText, Customer

    dora = Customer.objects.create(name="Dora", email="dora@example.com")
    client.force_login(lead)
    url = reverse("admin:complaints_customer_change", args=[dora.pk])
    form = {"email": "dora@example.com", "phone": "", "external_ref": "", "owner": ""}
    form.update({"created_at_0": "2026-01-01", "created_at_1": "10:00:00"})
    refused = client.post(url, {**form, "name": "\u2067Dora\u2069"})
    assert list(refused.context["adminform"].form.errors) == ["name"]
    assert client.post(url, {**form, "name": "Dora\nSmith"}).status_code == 200
    assert Customer.objects.get(pk=dora.pk).name == "Dora"
    assert client.post(url, {**form, "name": "Dora Smith"}).status_code == 302

    text = CannedText.objects.first()
    client.force_login(manager)
    change = reverse("admin:complaints_cannedtext_change", args=[text.pk])
    post = {"kind": text.kind, "language": text.language, "title": "Edited", "position": 0}
    refused = client.post(change, {**post, "body": "\u200b\u200b"})
    assert list(refused.context["adminform"].form.errors) == ["body"]
    assert client.post(change, {**post, "body": "Kind words.\nTwo lines."}).status_code == 302
