"""Whose complaints a caller sees: staff every one, an integration those it filed or of the
customers it owns, anyone else none."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from complaints.models import Complaint
from complaints.visibility import (
    complaint_audience,
    complaint_hidden_from,
    complaint_visible,
    complaints_visible,
)
from tests import factories

pytestmark = pytest.mark.django_db


def test_each_caller_sees_its_own(frontline, integration, outsider):
    filed = factories.complaint_new(actor=integration)
    owned = factories.complaint_new()
    owned.customer.owner = integration
    owned.customer.save(update_fields=["owner"])
    other = factories.complaint_new()
    everything = Complaint.objects.all()
    assert set(complaints_visible(everything, user=frontline)) == {filed, owned, other}
    assert set(complaints_visible(everything, user=integration)) == {filed, owned}
    assert not complaints_visible(everything, user=outsider).exists()
    for complaint in (filed, owned, other):
        fresh = Complaint.objects.get(pk=complaint.pk)
        assert complaint_visible(fresh, user=integration) == (complaint != other)
        assert complaint_hidden_from(fresh, user=integration) == (complaint == other)
        assert not complaint_hidden_from(fresh, user=outsider)  # its role checks refuse it
        assert complaint_visible(fresh, user=frontline)


def test_checking_costs_staff_nothing_and_an_integration_one_query_at_most(frontline, integration):
    complaint = Complaint.objects.get(pk=factories.complaint_new().pk)
    assert complaint_visible(complaint, user=frontline)  # reads the roles once per request
    assert not complaint_visible(complaint, user=integration)
    with CaptureQueriesContext(connection) as ctx:
        complaint_visible(complaint, user=frontline)
    assert len(ctx.captured_queries) == 0
    with CaptureQueriesContext(connection) as ctx:
        complaint_visible(complaint, user=integration)
    assert len(ctx.captured_queries) == 1


def test_the_audience_is_the_filer_and_the_owner_without_blanks():
    assert complaint_audience(filed_by_id=3, owner_id=None) == [3]
    assert complaint_audience(filed_by_id=5, owner_id=2) == [2, 5]
    assert complaint_audience(filed_by_id=4, owner_id=4) == [4]
    assert complaint_audience(filed_by_id=None, owner_id=None) == []
