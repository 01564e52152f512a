"""Idempotency keys are forgotten after their window, in batches; newer ones stay."""

from datetime import timedelta

import pytest
from django.utils import timezone

from api import services, tasks
from api.models import IdempotencyRecord
from tests.factories import UserFactory


@pytest.mark.django_db
def test_old_idempotency_keys_are_purged_new_ones_kept(settings):
    settings.IDEMPOTENCY_KEY_TTL_HOURS = 72
    user = UserFactory(username="shop-purge", groups=["integration"])
    now = timezone.now()
    for n, age in enumerate([1, 71, 73, 100, 500]):
        IdempotencyRecord.objects.create(
            user=user,
            key=f"k{n}",
            request_hash="h",
            status_code=201,
            response={},
            created_at=now - timedelta(hours=age),
        )
    assert services.idempotency_purge(older_than=timedelta(hours=72), batch_size=2) == 3
    assert sorted(IdempotencyRecord.objects.values_list("key", flat=True)) == ["k0", "k1"]
    assert tasks.idempotency_purge.apply().get() == 0  # nothing left to forget: idempotent
