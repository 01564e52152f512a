"""A fault at any step of a change leaves nothing written; the retry with the same
Idempotency-Key then succeeds once, and its answer shows the whole change.

Faults are injected into each in-transaction step: the deadline reactions (intake, the promise),
the compensation hold and its reaction, the outbox writes, and the sweep's approval clock.
"""

from datetime import timedelta

import pytest
from django.db import OperationalError
from django.utils import timezone

from api.models import IdempotencyRecord
from compensation.models import CompensationRequest
from complaints import reactions
from complaints.models import Complaint, Message, TransitionLog
from escalation.models import Deadline
from tests import factories
from tests.api.conftest import INTAKE
from webhooks.models import OutboxEvent, OutboxMail

pytestmark = pytest.mark.django_db


def world() -> tuple:
    """Every row a change may write, and the complaints' versions."""
    return (
        Complaint.objects.count(),
        sum(Complaint.objects.values_list("version", flat=True)),
        Message.objects.count(),
        TransitionLog.objects.count(),
        Deadline.objects.count(),
        sorted(Deadline.objects.values_list("status", flat=True)),
        OutboxEvent.objects.count(),
        OutboxMail.objects.count(),
        CompensationRequest.objects.count(),
        IdempotencyRecord.objects.count(),
    )


def blip(*args, **kwargs):
    raise OperationalError("server closed the connection unexpectedly")


def refused_whole(response, before) -> None:
    assert response.status_code == 503, response.data
    assert set(response.data) == {"code", "message", "fields"}
    assert response.data["code"] == "unavailable"
    assert "Traceback" not in response.content.decode()
    assert world() == before


def in_a_day() -> str:
    return (timezone.now() + timedelta(days=1)).isoformat()


@pytest.mark.parametrize("fault", ["deadline_reaction", "outbox_write"])
def test_intake_fault_writes_nothing_and_the_keyed_retry_files_once(
    fault, api_as, frontline, monkeypatch
):
    api = api_as(frontline)  # staff: the answer shows the deadlines (the customer view has none)
    before = world()
    key = {"Idempotency-Key": f"intake-{fault}"}
    with monkeypatch.context() as m:
        if fault == "deadline_reaction":
            m.setattr("escalation.services.deadlines._start_from_policy", blip)
        else:
            m.setattr("complaints.services.intake.outbox_record_many", blip)
        refused_whole(api.post("/complaints/", INTAKE, headers=key), before)

    first = api.post("/complaints/", INTAKE, headers=key)
    assert first.status_code == 201
    assert Complaint.objects.count() == before[0] + 1
    complaint = Complaint.objects.get(pk=first.data["id"])
    kinds = sorted(d["kind"] for d in first.data["deadlines"])
    assert kinds == ["first_response", "resolution"]
    assert sorted(complaint.deadlines.values_list("kind", flat=True)) == kinds
    assert first.data["next_due_at"] is not None and complaint.next_due_at is not None
    again = api.post("/complaints/", INTAKE, headers=key)
    assert (again.status_code, again.data) == (201, first.data)
    assert again["Idempotent-Replayed"] == "true"
    assert Complaint.objects.count() == before[0] + 1


def test_acknowledge_promise_fault_writes_nothing_and_the_retry_shows_the_promise(
    api_as, frontline, monkeypatch
):
    c = factories.complaint_in("venting")
    api = api_as(frontline)
    body = {"summary": "No opener", "message": "I understand.", "promised_by": in_a_day()}
    key = {"Idempotency-Key": "ack-1"}
    before = world()
    with monkeypatch.context() as m:
        m.setattr("escalation.services.deadlines.promise_start", blip)
        refused_whole(api.post(f"/complaints/{c.pk}/acknowledge/", body, headers=key), before)
    assert Complaint.objects.get(pk=c.pk).state == "venting"

    done = api.post(f"/complaints/{c.pk}/acknowledge/", body, headers=key)
    assert done.status_code == 200 and done.data["state"] == "acknowledged"
    by_kind = {d["kind"]: d["status"] for d in done.data["deadlines"]}
    assert by_kind["first_response"] == "met" and by_kind["promise"] == "pending"
    promise = Deadline.objects.get(complaint_id=c.pk, kind="promise")
    complaint = Complaint.objects.get(pk=c.pk)
    assert complaint.next_due_at == min(
        Deadline.objects.filter(complaint_id=c.pk, status="pending").values_list(
            "due_at", flat=True
        )
    )
    assert promise.due_at <= complaint.promised_by + timedelta(seconds=1)
    replay = api.post(f"/complaints/{c.pk}/acknowledge/", body, headers=key)
    assert replay.data == done.data  # the stored answer is the whole change, not a stale one


def test_compensation_hold_fault_writes_nothing(api_as, frontline, monkeypatch):
    c = factories.complaint_in("apologized")
    body = {
        "message": "We refund the whole order.",
        "root_cause": "Packer forgot the opener",
        "outcome": "upheld",
        "compensations": [{"kind": "refund", "amount": "400.00", "currency": "EUR"}],
    }
    key = {"Idempotency-Key": "hold-1"}
    before = world()
    with monkeypatch.context() as m:
        m.setattr("compensation.services.remedy._publish", blip)  # the hold's outbox row
        refused_whole(
            api_as(frontline).post(f"/complaints/{c.pk}/remedy/", body, headers=key), before
        )
    done = api_as(frontline).post(f"/complaints/{c.pk}/remedy/", body, headers=key)
    assert done.status_code == 200 and done.data["state"] == "escalated"
    assert CompensationRequest.objects.filter(complaint_id=c.pk, status="pending").count() == 1
    assert Deadline.objects.filter(complaint_id=c.pk, kind="approval", status="pending").exists()


def test_a_failing_reaction_of_a_higher_app_undoes_the_transition(api_as, manager):
    c = factories.complaint_in("escalated")
    before = world()
    with reactions.replaced("return", "compensation.withdraw_pending", blip):
        refused = api_as(manager).post(f"/complaints/{c.pk}/return/", {"note": "Ask first"})
    refused_whole(refused, before)
    assert Complaint.objects.get(pk=c.pk).state == "escalated"


@pytest.mark.parametrize(
    ("state", "transition", "body", "writer"),
    [
        ("acknowledged", "apologize", {"message": "Sorry.", "fault": "company"}, "single"),
        ("venting", "escalate", {"reason": "big"}, "bulk"),
    ],
)
def test_transition_outbox_fault_writes_nothing(
    state, transition, body, writer, api_as, frontline, monkeypatch
):
    c = factories.complaint_in(state)
    before = world()
    with monkeypatch.context() as m:
        m.setattr(f"complaints.services.engine.{writer}.outbox_record_many", blip)
        refused = api_as(frontline).post(f"/complaints/{c.pk}/{transition}/", body)
    refused_whole(refused, before)
    assert Complaint.objects.get(pk=c.pk).state == state


def test_sweep_fault_rolls_the_batch_back_and_the_next_sweep_escalates_once(monkeypatch):
    from escalation.services import complaint_next_due_refresh, deadline_sweep

    c = factories.complaint_in("venting")
    Deadline.objects.filter(complaint=c, kind="first_response").update(
        due_at=timezone.now() - timedelta(minutes=1)
    )
    complaint_next_due_refresh(complaint_ids=[c.pk])
    before = world()
    with monkeypatch.context() as m:
        m.setattr("escalation.services.deadlines._start_from_policy", blip)
        with pytest.raises(OperationalError):
            deadline_sweep()
    assert world() == before
    result = deadline_sweep()
    assert (result.breached, result.escalated) == (1, 1)
    assert TransitionLog.objects.filter(complaint=c, transition="escalate").count() == 1
    assert Deadline.objects.filter(complaint=c, kind="approval", status="pending").count() == 1
