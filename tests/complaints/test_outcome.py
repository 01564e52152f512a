"""What the customer asks for (intake, triage) and the outcome closing records (remedy,
set_limits, approve; cleared by reopen): validated, written with the transition, audited in its
TransitionLog payload, shown on the workbench and in the API detail."""

import pytest

from complaints import services
from complaints.models import MIGRATED_REASONS, Complaint, Message, TransitionLog
from core.errors import InvalidDataError, RuleViolationError
from tests.factories import complaint_in, complaint_new

pytestmark = pytest.mark.django_db


def _rows() -> tuple[int, int, int]:
    return Complaint.objects.count(), TransitionLog.objects.count(), Message.objects.count()


def _remedy(c, actor, **outcome):
    return services.complaint_remedy(
        complaint_id=c.pk, actor=actor, message="Opener sent.", root_cause="Packing", **outcome
    )


# --- what the customer asks for -----------------------------------------------------------------


def test_intake_records_what_the_customer_asks_for_and_logs_it():
    c = complaint_new(customer_request="replacement", customer_request_detail="The opener")
    assert (c.customer_request, c.customer_request_detail) == ("replacement", "The opener")
    log = TransitionLog.objects.get(complaint=c, transition="intake")
    assert log.payload["customer_request"] == "replacement"
    assert log.payload["customer_request_detail"] == "The opener"


def test_intake_without_a_request_is_not_stated():
    c = complaint_new()
    assert (c.customer_request, c.customer_request_detail) == ("", "")
    assert "customer_request" not in TransitionLog.objects.get(complaint=c).payload


@pytest.mark.parametrize(
    ("asks", "field"),
    [
        ({"customer_request": "money"}, "customer_request"),
        ({"customer_request": "other"}, "customer_request_detail"),
        (
            {"customer_request": "other", "customer_request_detail": "   "},
            "customer_request_detail",
        ),
        ({"customer_request_detail": "x" * 501}, "customer_request_detail"),
    ],
)
def test_intake_refuses_a_bad_request_and_writes_nothing(asks, field):
    before = _rows()
    with pytest.raises(InvalidDataError) as refused:
        complaint_new(**asks)
    assert field in refused.value.fields
    assert _rows() == before


def test_triage_corrects_what_the_customer_asks_for_audited(frontline):
    c = complaint_new()
    services.complaint_update_details(
        complaint_id=c.pk,
        actor=frontline,
        customer_request="other",
        customer_request_detail="A call back",
    )
    c.refresh_from_db()
    assert (c.customer_request, c.customer_request_detail) == ("other", "A call back")
    log = TransitionLog.objects.filter(complaint=c, transition="details").get()
    assert log.payload["customer_request"] == ["", "other"]
    with pytest.raises(InvalidDataError) as refused:  # "other" loses its words
        services.complaint_update_details(
            complaint_id=c.pk, actor=frontline, customer_request_detail=""
        )
    assert "customer_request_detail" in refused.value.fields
    c.refresh_from_db()
    assert c.customer_request_detail == "A call back"


# --- the outcome --------------------------------------------------------------------------------


def test_remedy_records_the_outcome_on_the_complaint_and_in_its_log(frontline):
    c = complaint_in("apologized")
    done = _remedy(
        c, frontline, outcome="partly_upheld", outcome_reason="The opener yes, the fruit no."
    )
    assert (done.outcome, done.outcome_reason) == ("partly_upheld", "The opener yes, the fruit no.")
    log = TransitionLog.objects.filter(complaint=c, transition="remedy").get()
    assert log.payload["outcome"] == "partly_upheld"
    assert log.payload["outcome_reason"] == "The opener yes, the fruit no."


@pytest.mark.parametrize("outcome", ["", "maybe", None])
def test_remedy_without_a_valid_outcome_is_bad_input_and_writes_nothing(frontline, outcome):
    c = complaint_in("apologized")
    before = _rows()
    with pytest.raises(InvalidDataError) as refused:
        _remedy(c, frontline, outcome=outcome)
    assert "outcome" in refused.value.fields
    assert _rows() == before and Complaint.objects.get(pk=c.pk).state == "apologized"


@pytest.mark.parametrize("outcome", ["partly_upheld", "not_upheld"])
def test_not_fully_upheld_needs_reasons_a_rule_422(frontline, outcome):
    c = complaint_in("apologized")
    before = _rows()
    with pytest.raises(RuleViolationError) as refused:
        _remedy(c, frontline, outcome=outcome, outcome_reason="  ")
    assert refused.value.status == 422 and list(refused.value.fields) == ["outcome_reason"]
    assert _rows() == before
    with pytest.raises(RuleViolationError):
        services.complaint_set_limits(
            complaint_id=c.pk, actor=frontline, reason="r", message="m", outcome=outcome
        )
    assert Complaint.objects.get(pk=c.pk).state == "apologized"


def test_set_limits_records_the_outcome_and_reopen_clears_it(frontline, manager):
    c = complaint_in("acknowledged")
    limited = services.complaint_set_limits(
        complaint_id=c.pk,
        actor=frontline,
        reason="Threats",
        message="We end this here.",
        outcome="not_upheld",
        outcome_reason="Nothing was owed.",
    )
    assert (limited.outcome, limited.outcome_reason) == ("not_upheld", "Nothing was owed.")
    log = TransitionLog.objects.filter(complaint=c, transition="set_limits").get()
    assert (log.payload["outcome"], log.payload["outcome_reason"]) == (
        "not_upheld",
        "Nothing was owed.",
    )
    reopened = services.complaint_reopen(complaint_id=c.pk, actor=manager, message="Again")
    assert (reopened.outcome, reopened.outcome_reason) == ("", "")
    # The earlier outcome stays in the audit trail.
    assert TransitionLog.objects.filter(complaint=c, payload__outcome="not_upheld").exists()


def test_a_plain_approval_needs_the_approvers_outcome(lead):
    c = complaint_in("escalated")
    with pytest.raises(RuleViolationError) as refused:
        services.complaint_approve(complaint_id=c.pk, actor=lead, note="ok")
    assert list(refused.value.fields) == ["outcome"]
    assert Complaint.objects.get(pk=c.pk).state == "escalated"
    done = services.complaint_approve(complaint_id=c.pk, actor=lead, outcome="upheld")
    assert (done.state, done.outcome) == ("remedied", "upheld")


def test_migrated_reasons_show_in_the_readers_language():
    from django.utils import translation

    c = Complaint(outcome="not_upheld", outcome_reason=MIGRATED_REASONS["limit_set"])
    with translation.override("zh-hans"):
        shown = c.outcome_reason_display
    assert shown != MIGRATED_REASONS["limit_set"] and shown.strip()
    assert Complaint(outcome_reason="Our own words").outcome_reason_display == "Our own words"


# --- the workbench and the admin forms ----------------------------------------------------------


def test_workbench_shows_the_request_and_the_outcome(client, frontline):
    c = complaint_in("apologized", customer_request="repair", customer_request_detail="Fix it")
    client.force_login(frontline)
    page = client.get(f"/admin/complaints/complaint/{c.pk}/change/").content.decode()
    assert 'id="customer-request"' in page and "Repair" in page and "Fix it" in page
    assert 'id="outcome"' not in page  # open: no outcome yet
    _remedy(c, frontline, outcome="not_upheld", outcome_reason="Worn by use, not a defect.")
    page = client.get(f"/admin/complaints/complaint/{c.pk}/change/").content.decode()
    assert 'id="outcome"' in page and "Not upheld" in page and "Worn by use" in page
    unstated = complaint_new()
    page = client.get(f"/admin/complaints/complaint/{unstated.pk}/change/").content.decode()
    assert "not stated" in page


def test_admin_remedy_and_limits_forms_take_the_outcome(client, frontline):
    c = complaint_in("apologized")
    client.force_login(frontline)
    url = f"/admin/complaints/complaint/{c.pk}/do/remedy/"
    form = client.get(url).content.decode()
    assert 'name="outcome"' in form and 'name="outcome_reason"' in form
    post = {"message": "Sent.", "root_cause": "Packing", "expected_version": str(c.version)}
    refused = client.post(url, {**post, "outcome": "not_upheld"})
    assert refused.status_code == 200  # the form again, with the reason on its field
    assert "Required when the complaint is not fully upheld." in refused.content.decode()
    assert Complaint.objects.get(pk=c.pk).state == "apologized"
    done = client.post(url, {**post, "outcome": "upheld"})
    assert done.status_code == 302
    assert Complaint.objects.get(pk=c.pk).outcome == "upheld"

    other = complaint_in("acknowledged")
    limits = f"/admin/complaints/complaint/{other.pk}/do/set_limits/"
    done = client.post(
        limits,
        {
            "reason": "Threats",
            "message": "We end this here.",
            "outcome": "not_upheld",
            "outcome_reason": "Nothing was owed.",
            "expected_version": str(other.version),
        },
    )
    assert done.status_code == 302
    assert Complaint.objects.get(pk=other.pk).outcome == "not_upheld"


def test_admin_intake_and_triage_take_what_the_customer_asks_for(client, frontline):
    client.force_login(frontline)
    filed = client.post(
        "/admin/complaints/complaint/add/",
        {
            "customer_name": "Wanda Wear",
            "customer_email": "wanda@example.com",
            "channel": "phone",
            "category": "product",
            "severity": "low",
            "subject": "Wrong size",
            "description": "Size 41, not 39.",
            "customer_request": "replacement",
            "customer_request_detail": "Size 39",
        },
    )
    assert filed.status_code == 302
    c = Complaint.objects.get(subject="Wrong size")
    assert (c.customer_request, c.customer_request_detail) == ("replacement", "Size 39")
    triage = client.post(
        f"/admin/complaints/complaint/{c.pk}/triage/",
        {
            "category": "product",
            "severity": "low",
            "subject": "Wrong size",
            "customer_request": "refund",
            "customer_request_detail": "Money back instead",
            "expected_version": str(c.version),
        },
    )
    assert triage.status_code == 302
    c.refresh_from_db()
    assert (c.customer_request, c.customer_request_detail) == ("refund", "Money back instead")
