"""`Complaint.next_due_at` follows the deadline rows, and the frontline queue follows it."""

import importlib
from datetime import timedelta

import pytest
from django.apps import apps
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from complaints import reactions, selectors, services
from complaints.models import Complaint
from complaints.services import engine
from escalation.models import Deadline
from escalation.services import complaint_next_due_refresh, deadline_sweep, deadlines_on_intake
from tests import factories

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/complaints/complaint/"


def next_due(complaint) -> object:
    return Complaint.objects.values_list("next_due_at", flat=True).get(pk=complaint.pk)


def running(complaint) -> list:
    """Due times of the complaint's open, unpaused deadlines, earliest first."""
    return list(
        Deadline.objects.filter(
            complaint=complaint, status__in=["pending", "warned"], paused_at__isnull=True
        )
        .order_by("due_at")
        .values_list("due_at", flat=True)
    )


def test_intake_sets_the_first_response_deadline(filed):
    c = filed()
    first = Deadline.objects.get(complaint=c, kind="first_response")
    assert next_due(c) == first.due_at == running(c)[0]


def test_acknowledge_moves_it_to_the_promise(acknowledged):
    c = acknowledged(promise_in=timedelta(hours=2))
    promise = Deadline.objects.get(complaint=c, kind="promise")
    assert next_due(c) == promise.due_at == c.promised_by


def test_pause_clears_it_and_resume_restores_it(committed, acknowledged, agent):
    c = acknowledged(promise_in=timedelta(hours=3))
    committed(services.complaint_pause, complaint_id=c.pk, actor=agent, reason="waiting on photos")
    assert next_due(c) is None
    committed(services.complaint_resume, complaint_id=c.pk, actor=agent)
    promise = Deadline.objects.get(complaint=c, kind="promise")
    assert next_due(c) == promise.due_at == running(c)[0]


def test_remedy_meets_everything_and_clears_it(committed, acknowledged, agent):
    c = acknowledged()
    committed(
        services.complaint_apologize, complaint_id=c.pk, actor=agent, message="m", fault="company"
    )
    assert next_due(c) is not None
    committed(
        services.complaint_remedy,
        complaint_id=c.pk,
        actor=agent,
        message="m",
        root_cause="r",
        outcome="upheld",
    )
    assert running(c) == [] and next_due(c) is None


def test_escalate_and_return_follow_the_approval_deadline(committed, filed, agent, lead):
    c = filed(severity="critical")  # approval (2h) falls due before resolution (3 days)
    committed(services.complaint_escalate, complaint_id=c.pk, actor=agent, reason="big")
    assert next_due(c) == running(c)[0]
    committed(services.complaint_return, complaint_id=c.pk, actor=lead, note="yours")
    assert not Deadline.objects.filter(complaint=c, kind="approval", status="pending").exists()
    assert next_due(c) == running(c)[0]


def test_sweep_breach_moves_it_to_the_next_running_deadline(acknowledged):
    c = acknowledged(promise_in=timedelta(hours=1))
    promise = Deadline.objects.get(complaint=c, kind="promise")
    assert next_due(c) == promise.due_at
    result = deadline_sweep(now=promise.due_at + timedelta(seconds=1))
    assert result.breached == 1 and result.escalated == 1
    kinds = set(
        Deadline.objects.filter(complaint=c, status="pending").values_list("kind", flat=True)
    )
    assert kinds == {"resolution", "approval"}
    assert next_due(c) == running(c)[0] != promise.due_at


def test_refresh_is_one_update_and_bumps_nothing_else(filed):
    complaints = [filed() for _ in range(12)]
    before = {
        c.pk: (c.version, c.updated_at)
        for c in Complaint.objects.filter(pk__in=[c.pk for c in complaints])
    }
    Complaint.objects.update(next_due_at=None)
    with CaptureQueriesContext(connection) as ctx:
        assert complaint_next_due_refresh(complaint_ids=[c.pk for c in complaints]) == 12
    assert len(ctx.captured_queries) == 1
    for c in Complaint.objects.filter(pk__in=before):
        assert (c.version, c.updated_at) == before[c.pk]
        assert c.next_due_at == running(c)[0]
    assert complaint_next_due_refresh(complaint_ids=[]) == 0


def test_backfill_migration_sets_existing_rows(filed, committed, agent):
    fresh = filed()
    paused = filed()
    committed(services.complaint_pause, complaint_id=paused.pk, actor=agent, reason="photos")
    Complaint.objects.update(next_due_at=timezone.now())  # stale values, as before the column
    module = importlib.import_module("escalation.migrations.0003_backfill_next_due_at")
    module.backfill(apps, None)
    assert next_due(fresh) == running(fresh)[0]
    assert next_due(paused) is None


@pytest.fixture
def queue_by_deadlines(filed, committed, agent, frontline):
    """Five complaints of frontline's team whose real deadlines put them in a known order."""
    # Filed by phone ten days ago and recorded only now: its first response is long overdue.
    late = factories.complaint_new(severity="low", subject="Filed ten days ago")
    Complaint.objects.filter(pk=late.pk).update(created_at=timezone.now() - timedelta(days=10))
    Deadline.objects.filter(complaint=late).delete()  # started at intake, from "now"
    late.refresh_from_db()
    start = reactions.Change(
        step="intake", complaint=engine.facts(late), from_state="venting", at=timezone.now()
    )
    deadlines_on_intake(changes=[start])
    low = filed(severity="low", subject="Low: a day")
    critical = filed(severity="critical", subject="Critical: an hour")
    normal = filed(severity="normal", subject="Normal: four hours")
    paused = filed(severity="critical", subject="Critical but waiting on the customer")
    committed(services.complaint_pause, complaint_id=paused.pk, actor=agent, reason="photos")
    # The promise field no longer orders the queue: a stale, early promise changes nothing.
    Complaint.objects.filter(pk=low.pk).update(promised_by=timezone.now() - timedelta(days=3))
    return [late, critical, normal, low, paused]


def test_queue_orders_by_the_real_deadlines(queue_by_deadlines, frontline):
    queue = selectors.complaint_queue_scope(
        selectors.complaint_queue(user=frontline), user=frontline, scope=selectors.QUEUE_MINE
    )
    assert [c.pk for c in queue] == [c.pk for c in queue_by_deadlines]
    assert next_due(queue_by_deadlines[0]) < timezone.now()


def test_time_left_column_reads_the_real_deadlines(client, queue_by_deadlines, frontline):
    late, critical, _normal, _low, paused = queue_by_deadlines
    client.force_login(frontline)
    page = client.get(CHANGELIST).content.decode()
    references = [c.reference for c in queue_by_deadlines]
    assert [page.index(ref) for ref in references] == sorted(page.index(ref) for ref in references)
    row = lambda c: page[page.index(c.reference) : page.index("</tr>", page.index(c.reference))]  # noqa: E731
    assert "redress-due-overdue" in row(late) and "overdue" in row(late)
    assert "redress-due-overdue" not in row(critical) and "left" in row(critical)
    assert "paused" in row(paused)


def test_the_complaint_page_names_the_next_deadline_in_chinese(client, filed, frontline):
    c = filed()
    client.force_login(frontline)
    url = f"/admin/complaints/complaint/{c.pk}/change/"
    zh = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-Hans,zh;q=0.9").content.decode()
    assert "下一个截止时间" in zh
    assert "Next deadline" in client.get(url).content.decode()
