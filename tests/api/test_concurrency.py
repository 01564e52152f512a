"""Races through the API's door, each forced with `tests.concurrency.race` (PostgreSQL only):
A is held right after it took the lock or the unique key, B must wait for it.

- Two staff posting transitions with one If-Match at once prove the complaint row lock
  (`engine.complaint_lock`) on the API path; checked by dropping its `select_for_update()`.
- Two retries with one Idempotency-Key (A held after inserting its IdempotencyRecord) prove
  the unique constraint `idempotency_user_key_unique`; two retries with one external_id (A held
  after writing its complaint) prove the unique index on `Complaint.external_id`. Both checked
  by dropping that constraint in the test database (`--reuse-db`), when the test fails.
"""

import pytest

from api.models import IdempotencyRecord
from complaints.models import Complaint, TransitionLog
from complaints.services import intake
from tests.api.conftest import INTAKE, Api, token_for
from tests.concurrency import after, race
from tests.factories import complaint_new

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_two_staff_posting_transitions_with_one_if_match_one_gets_409(frontline, frontline2):
    c = complaint_new()
    version = {"If-Match": f'"{c.version}"'}
    a, b = Api(token_for(frontline)), Api(token_for(frontline2))
    r = race(
        lambda: a.post(f"/complaints/{c.pk}/escalate/", {"reason": "Too big"}, headers=version),
        lambda: b.post(f"/complaints/{c.pk}/pause/", {"reason": "Waiting"}, headers=version),
    )
    assert r.second_waited
    assert r.first.status_code == 200 and r.first.data["state"] == "escalated"
    assert r.second.status_code == 409 and r.second.data["code"] == "conflict"
    steps = TransitionLog.objects.filter(complaint=c).exclude(transition="intake")
    assert list(steps.values_list("transition", flat=True)) == ["escalate"]


def test_concurrent_retries_with_one_key_file_one_complaint(integration):
    key = token_for(integration)

    def send():
        return Api(key).post("/complaints/", INTAKE, headers={"Idempotency-Key": "race-1"})

    r = race(send, send, gate=after(IdempotencyRecord.objects, "create"))
    assert r.second_waited
    assert (r.first.status_code, r.second.status_code) == (201, 201)
    assert r.second.data["id"] == r.first.data["id"]  # B replayed A's reply
    assert Complaint.objects.count() == 1
    assert IdempotencyRecord.objects.count() == 1


def test_concurrent_intake_with_one_external_id_files_one_complaint(integration):
    key = token_for(integration)

    def send():
        return Api(key).post("/complaints/", {**INTAKE, "external_id": "x-1"})

    r = race(send, send, gate=after(intake, "_intake_write"))
    assert r.second_waited
    assert (r.first.status_code, r.second.status_code) == (201, 200)
    assert r.second.data["id"] == r.first.data["id"]
    assert Complaint.objects.filter(external_id="x-1").count() == 1
