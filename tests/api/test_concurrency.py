"""Retries that race: the same Idempotency-Key or external_id sent twice at the same moment."""

import threading

import pytest
from django.db import connection

from complaints.api_models import IdempotencyRecord
from complaints.models import Complaint
from tests.api.conftest import INTAKE, Api, token_for


def race(n: int, send) -> list:
    barrier = threading.Barrier(n)
    results: list = [None] * n

    def worker(i: int) -> None:
        try:
            barrier.wait()
            results[i] = send()
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_retries_with_one_key_file_one_complaint(integration):
    key = token_for(integration)
    responses = race(
        6, lambda: Api(key).post("/complaints/", INTAKE, headers={"Idempotency-Key": "race-1"})
    )
    assert {r.status_code for r in responses} == {201}
    assert len({r.data["id"] for r in responses}) == 1
    assert Complaint.objects.count() == 1
    assert IdempotencyRecord.objects.count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_intake_with_one_external_id_files_one_complaint(integration):
    key = token_for(integration)
    responses = race(6, lambda: Api(key).post("/complaints/", {**INTAKE, "external_id": "x-1"}))
    assert {r.status_code for r in responses} <= {200, 201}
    assert len({r.data["id"] for r in responses}) == 1
    assert Complaint.objects.filter(external_id="x-1").count() == 1
