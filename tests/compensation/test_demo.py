"""The demo (`make run`): the coconut story remedied within frontline authority and a 400 EUR
refund waiting in the manager's queue; the untouched coconut complaint still venting."""

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from compensation.models import CompensationRequest
from compensation.selectors import compensation_queue
from complaints.models import Complaint


@pytest.mark.django_db
def test_load_demo_compensation_stories_idempotent():
    call_command("load_demo", verbosity=0)
    call_command("load_demo", verbosity=0)
    users = {u.username: u for u in get_user_model().objects.all()}
    assert Complaint.objects.get(external_id="demo-coconut").state == "venting"
    remedied = Complaint.objects.get(external_id="demo-coconut-remedied")
    assert remedied.state == "remedied"
    items = CompensationRequest.objects.filter(complaint=remedied).order_by("id")
    assert [(r.kind, r.status, r.requested_by.username, r.rule.role) for r in items] == [
        ("replacement", "granted", "frontline", "frontline"),
        ("gift", "granted", "frontline", "frontline"),
    ]
    waiting = CompensationRequest.objects.get(complaint__external_id="demo-refund-400")
    assert (waiting.status, waiting.required_tier) == ("pending", "manager")
    assert waiting.complaint.state == "escalated"
    assert list(compensation_queue(user=users["manager"])) == [waiting]
    assert list(compensation_queue(user=users["lead"])) == []
    assert CompensationRequest.objects.count() == 3
