"""System notes and log reasons are stored as a code and parameters and read in the reader's
language (complaints.notes); the stored English text stays what the API returns; rows written
before codes existed get theirs from the data migration."""

from __future__ import annotations

import importlib
from datetime import timedelta

import pytest
from django.utils import timezone, translation

from complaints import notes, selectors, services
from complaints.models import Message, TransitionLog
from escalation.models import Deadline
from escalation.services import deadline_sweep
from tests import factories
from tests.api.conftest import Api, token_for

migration = importlib.import_module("complaints.migrations.0023_i18n_note_codes_existing")


def _internal_notes(complaint, language):
    with translation.override(language):
        return [
            e.body
            for e in selectors.complaint_timeline(complaint=complaint, include_internal=True)
            if e.kind == "message" and e.visibility == "internal"
        ]


@pytest.mark.django_db
def test_an_approval_note_is_read_in_the_readers_language(lead):
    c = factories.complaint_in("escalated")
    services.complaint_approve(
        complaint_id=c.pk, actor=lead, note="Approved: faulty batch", outcome="upheld"
    )
    note = Message.objects.get(complaint=c, note_code="approved")
    assert note.body == "Approved: faulty batch"  # the stable English text
    assert note.note_params == {"note": "faulty batch"}
    assert "已批准：faulty batch" in _internal_notes(c, "zh-hans")
    for language in ("zh-hant", "th", "bg"):
        shown = _internal_notes(c, language)
        assert "Approved: faulty batch" not in shown
        assert any(s.endswith("faulty batch") for s in shown)


@pytest.mark.django_db
def test_a_sweep_escalation_note_nests_its_reason_in_the_readers_language(frontline):
    c = factories.complaint_in("acknowledged")
    promise = Deadline.objects.get(complaint=c, kind="promise")
    deadline_sweep(now=promise.due_at + timedelta(seconds=1))
    note = Message.objects.get(complaint=c, note_code="escalated")
    log = TransitionLog.objects.get(complaint=c, transition="escalate")
    assert log.reason_code == "deadline_breached"
    assert log.reason.startswith("The promise to the customer deadline (")
    assert note.body == f"Escalated to team lead: {log.reason}"
    with translation.override("zh-hans"):
        chinese = note.text
        assert "Escalated" not in chinese and "deadline" not in chinese
        assert "组长" in chinese
    with translation.override("th"), timezone.override("Asia/Bangkok"):
        thai = log.reason_text
        due = timezone.localtime(promise.due_at).strftime("%Y-%m-%d %H:%M")
        assert due in thai and "+07" in thai and "deadline" not in thai


@pytest.mark.django_db
def test_the_api_keeps_the_english_text_and_gives_the_code(lead):
    c = factories.complaint_in("escalated")
    services.complaint_approve(complaint_id=c.pk, actor=lead, note="Goodwill", outcome="upheld")
    detail = Api(token_for(lead), **{"Accept-Language": "zh-hans"}).get(f"/complaints/{c.pk}/")
    (entry,) = [e for e in detail.data["timeline"] if e["note_code"] == "approved"]
    assert entry["body"] == "Approved: Goodwill"
    assert entry["note_params"] == {"note": "Goodwill"}


@pytest.mark.django_db
def test_a_note_a_person_wrote_reads_as_written(frontline):
    c = factories.complaint_new()
    services.message_add(
        complaint_id=c.pk, actor=frontline, body="Approved: by phone", visibility="internal"
    )
    assert _internal_notes(c, "zh-hans")[-1] == "Approved: by phone"


def test_an_unknown_code_or_broken_params_fall_back_to_the_stored_text():
    assert notes.render("no_such_code", {}, "as stored") == "as stored"
    assert notes.render(notes.APPROVED, {}, "as stored") == "as stored"


# --- existing rows: the data migration ---------------------------------------------------------

KNOWN_NOTES = [
    "Approved: faulty batch",
    "Returned with guidance: offer a voucher first",
    "Limits set: threats after three offers",
    "Escalated to team lead: approval required",
    "Raised to manager: approval required",
    "Escalated to team lead: Needs a lead",
    "Escalated to team lead: The first response deadline (2026-11-30 09:00 CET) passed "
    "without an answer.",
    "The customer did not get our email (Apology): cora@example.com bounces (the customer's "
    "mail server reported a failed delivery: 550 no such user). Check the address, and reach "
    "the customer another way.",
    "The customer did not get our email (Reply): the mail server refused it for cora@example.com "
    "(554 rejected). Check the address, and reach the customer another way.",
    "The customer did not get our email (Remedy) to cora@example.com: it could not be sent after "
    "5 attempts (last error: timeout). Reach the customer another way.",
    "The customer gave another phone number: +44 20 7946 0000. It was not written to the "
    "customer, whose stored contact data stay as they were; a team lead can change them on the "
    "customer after checking the number.",
]
KNOWN_REASONS = [
    "approval required",
    "store credit of 15.00 EUR: within team lead authority.",
    "refund of 5.00 EUR: granted by superuser authority.",
    "the complaint left escalated by set_limits",
    "The resolution deadline (2026-11-30 09:00 CET) passed without an answer.",
]


@pytest.mark.parametrize("body", KNOWN_NOTES)
def test_the_migration_recognises_each_known_note_and_it_renders_back_the_same(body):
    code, params = migration.note_code(body)
    with translation.override("en"):
        rendered = notes.render(code, params, "")
    assert rendered == body
    with translation.override("zh-hans"):
        assert notes.render(code, params, "") != body


@pytest.mark.parametrize("reason", KNOWN_REASONS)
def test_the_migration_recognises_each_known_reason(reason):
    code, params = migration.reason_code(reason)
    if code.startswith("compensation_granted"):  # what the service writes renders back the same
        with translation.override("en"):
            assert notes.render(code, params, "") == reason
    with translation.override("zh-hans"):
        assert notes.render(code, params, "") not in ("", reason)


@pytest.mark.parametrize(
    "body", ["I understand, and I am sorry.", "Approved: ", "Escalated to the moon: why not"]
)
def test_the_migration_leaves_anything_else_alone(body):
    assert migration.note_code(body) is None


@pytest.mark.django_db
def test_compensation_granted_on_the_spot_is_logged_with_a_code(frontline):
    from compensation import services as compensation_services

    c = factories.complaint_in("acknowledged")
    compensation_services.compensation_request(
        complaint_id=c.pk, actor=frontline, kind="voucher", amount="5"
    )
    log = TransitionLog.objects.get(complaint=c, transition="compensation_granted")
    assert log.reason == "voucher of 5.00 EUR: within frontline authority."
    assert log.reason_code == "compensation_granted"
    with translation.override("th"):
        assert "authority" not in log.reason_text and "5.00 EUR" in log.reason_text
