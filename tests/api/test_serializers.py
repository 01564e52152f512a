"""The list's fast renderer gives exactly what the documented `ComplaintOut` gives."""

from datetime import timedelta

import pytest
from django.utils import timezone

from complaints import selectors, services
from complaints.models import Complaint
from complaints.serializers import ComplaintOut, complaint_rows
from tests import factories


@pytest.mark.django_db
def test_complaint_rows_equal_the_documented_serializer(frontline):
    factories.complaint_new()
    acked = factories.complaint_in("acknowledged", external_id="ext-1")
    services.complaint_assign(complaint_id=acked.pk, actor=frontline, assignee=frontline)
    services.complaint_pause(
        complaint_id=acked.pk, actor=frontline, reason="wait", until=timezone.now() + timedelta(1)
    )
    late = factories.complaint_in("apologized")
    Complaint.objects.filter(pk=late.pk).update(next_due_at=timezone.now() - timedelta(hours=1))
    factories.complaint_in("remedied")
    page = list(selectors.complaint_list())
    now = timezone.now()
    expected = ComplaintOut(page, many=True, context={"now": now}).data
    assert complaint_rows(page, now=now) == [dict(row) for row in expected]
    assert any(row["assignee"] for row in expected) and any(row["overdue"] for row in expected)


@pytest.mark.django_db
def test_customer_rows_equal_the_documented_customer_serializer(frontline):
    from complaints.serializers import ComplaintCustomerOut, complaint_customer_rows

    factories.complaint_new()
    paused = factories.complaint_in("acknowledged")
    services.complaint_pause(complaint_id=paused.pk, actor=frontline, reason="wait")
    factories.complaint_in("remedied")
    page = list(selectors.complaint_list())
    expected = ComplaintCustomerOut(page, many=True).data
    assert complaint_customer_rows(page) == [dict(row) for row in expected]
    assert any(row["paused"] for row in expected) and any(row["promised_by"] for row in expected)
    assert {row["view"] for row in expected} == {"customer"}
