"""The frontline queue: urgency labels, queue order and scope, bulk assignment, query counts."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.contrib import admin
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from complaints import selectors
from complaints.admin import ComplaintAdmin
from complaints.models import Complaint, Customer, TransitionLog
from complaints.pagination import CappedCountPaginator
from complaints.urgency import urgency

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
CHANGELIST = "/admin/complaints/complaint/"


@pytest.mark.parametrize(
    "due, paused, level, label",
    [
        (None, False, "none", "—"),
        (NOW - timedelta(hours=26, minutes=5), False, "overdue", "1d 2h overdue"),
        (NOW - timedelta(minutes=5), False, "overdue", "5m overdue"),
        (NOW + timedelta(hours=3, minutes=5), False, "soon", "3h 05m left"),
        (NOW + timedelta(hours=4), False, "soon", "4h 00m left"),
        (NOW + timedelta(hours=10), False, "today", "10h 00m left"),
        (NOW + timedelta(days=3), False, "later", "3d 0h left"),
        (NOW - timedelta(hours=1), True, "later", "paused"),
        (None, True, "later", "paused"),  # a paused complaint has no running deadline
    ],
)
def test_urgency_levels_and_labels(due, paused, level, label):
    result = urgency(due, NOW, paused=paused)
    assert (result.level, result.label) == (level, label)


def make(n: int, **fields) -> list[Complaint]:
    """`n` complaints written directly (the queue reads them; no workflow is exercised)."""
    start = Complaint.objects.count()
    customers = Customer.objects.bulk_create(
        Customer(name=f"Queue customer {start + i}", email=f"q{start + i}@example.com")
        for i in range(n)
    )
    return Complaint.objects.bulk_create(
        Complaint(
            customer=c,
            subject=f"Queue complaint {start + i}",
            description="words",
            reference=f"CMP-Q-{start + i:06d}",
            **fields,
        )
        for i, c in enumerate(customers)
    )


def hours(h: float) -> datetime:
    return timezone.now() + timedelta(hours=h)


@pytest.mark.django_db
def test_queue_order_mine_then_team_then_rest_nearest_deadline_first(frontline, frontline2):
    (team_later,) = make(1, next_due_at=hours(30))
    (team_overdue,) = make(1, next_due_at=hours(-2))
    (team_no_deadline,) = make(1)
    (mine_later,) = make(1, assignee=frontline, next_due_at=hours(50))
    (mine_soon,) = make(1, assignee=frontline, next_due_at=hours(1))
    (lead_tier,) = make(1, tier="team_lead", next_due_at=hours(-10))
    (others_team,) = make(1, assignee=frontline2, next_due_at=hours(5))

    everything = list(selectors.complaint_queue(user=frontline))
    assert everything == [
        mine_soon,
        mine_later,
        team_overdue,
        others_team,
        team_later,
        team_no_deadline,
        lead_tier,
    ]
    assert [c.queue_rank for c in everything] == [0, 0, 1, 1, 1, 1, 2]

    mine = selectors.complaint_queue_scope(
        selectors.complaint_queue(user=frontline), user=frontline, scope=selectors.QUEUE_MINE
    )
    assert lead_tier not in mine and len(mine) == 6


@pytest.mark.django_db
def test_queue_scope_keeps_closed_complaints_out_unless_asked(frontline, walk):
    done = walk("remedied")
    open_one = walk("venting")
    base = selectors.complaint_queue(user=frontline)
    scope = selectors.complaint_queue_scope
    assert list(scope(base, user=frontline, scope=selectors.QUEUE_MINE)) == [open_one]
    assert list(scope(base, user=frontline, scope=selectors.QUEUE_OPEN)) == [open_one]
    assert set(scope(base, user=frontline, scope=selectors.QUEUE_ALL)) == {open_one, done}
    assert set(scope(base, user=frontline, scope=selectors.QUEUE_MINE, open_only=False)) == {
        open_one,
        done,
    }


@pytest.mark.django_db
def test_changelist_default_is_my_queue_with_time_left(client, frontline):
    (overdue,) = make(1, next_due_at=hours(-3))
    (elsewhere,) = make(1, tier="manager")
    client.force_login(frontline)
    page = client.get(CHANGELIST).content.decode()
    assert overdue.reference in page and elsewhere.reference not in page
    assert "redress-due-overdue" in page
    everything = client.get(CHANGELIST, {"queue": "all"}).content.decode()
    assert elsewhere.reference in everything
    assert re.search(r'class="selected">\s*<a[^>]*>Mine and my team', page)
    # A search looks everywhere, and the filter says so.
    found = client.get(CHANGELIST, {"q": elsewhere.subject}).content.decode()
    assert elsewhere.reference in found
    assert re.search(r'class="selected">\s*<a[^>]*>Everything', found)


@pytest.mark.django_db
def test_changelist_query_count_does_not_grow_with_rows(client, frontline, frontline2):
    client.force_login(frontline)

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(CHANGELIST, {"queue": "all"})
        assert response.status_code == 200
        # Every row shows its category with the severity under it, and a compact age.
        html = response.content.decode()
        rows = html.count('<tr><td class="action-checkbox">')
        assert rows and html.count('<span class="redress-severity redress-severity-') == rows
        assert len(re.findall(r'<td class="field-age">\d+m</td>', html)) == rows
        return len(ctx.captured_queries)

    make(5, assignee=frontline, next_due_at=hours(3))
    make(5, assignee=frontline2)
    small = queries()
    make(95, assignee=frontline, next_due_at=hours(-3))
    make(95, assignee=frontline2, tier="team_lead")
    assert Complaint.objects.count() == 200
    assert queries() == small


@pytest.mark.django_db
def test_changelist_never_counts_the_whole_table(client, frontline):
    make(3)
    client.force_login(frontline)
    with CaptureQueriesContext(connection) as ctx:
        client.get(CHANGELIST, {"queue": "all"})
    counts = [q["sql"] for q in ctx.captured_queries if "COUNT(" in q["sql"].upper()]
    assert counts, "the paginator's bounded count is expected"
    assert all("LIMIT" in sql.upper() for sql in counts), counts


@pytest.mark.django_db
def test_capped_paginator_stops_counting_at_the_cap():
    make(7)

    class Small(CappedCountPaginator):
        count_cap = 5

    paginator = Small(Complaint.objects.order_by("pk"), 2)
    assert paginator.count == 6 and paginator.capped and paginator.num_pages == 3
    exact = CappedCountPaginator(Complaint.objects.order_by("pk"), 2)
    assert exact.count == 7 and not exact.capped


def _bulk(client, action: str, complaints, **extra):
    data = {"action": action, "_selected_action": [c.pk for c in complaints], **extra}
    return client.post(CHANGELIST + "?queue=all", data, follow=True)


@pytest.mark.django_db
def test_bulk_assign_to_me_goes_through_the_service(client, frontline):
    complaints = make(3)
    client.force_login(frontline)
    response = _bulk(client, "assign_to_me", complaints)
    assert response.status_code == 200
    assert "3 complaints assigned" in response.content.decode()
    assert set(Complaint.objects.values_list("assignee", flat=True)) == {frontline.pk}
    assert TransitionLog.objects.filter(transition="assign").count() == 3


@pytest.mark.django_db
def test_bulk_assign_to_someone_else_is_for_leads(client, frontline, frontline2, lead):
    complaints = make(2)
    client.force_login(frontline)
    page = client.get(CHANGELIST).content.decode()
    assert 'value="assign_to_me"' in page and 'value="assign_to"' not in page

    client.force_login(lead)
    form = _bulk(client, "assign_to", complaints)
    assert 'id="assign-form"' in form.content.decode()
    assert Complaint.objects.filter(assignee__isnull=False).count() == 0
    done = _bulk(client, "assign_to", complaints, apply="1", assignee=frontline2.pk)
    assert "2 complaints assigned" in done.content.decode()
    assert set(Complaint.objects.values_list("assignee", flat=True)) == {frontline2.pk}


@pytest.mark.django_db
def test_subclass_overriding_the_workflow_form_hook_keeps_bulk_actions(rf, frontline, walk):
    """Higher apps override `workflow_form(name, request, complaint)`; Django's own
    `action_form` (the bulk-action form) stays untouched."""
    from complaints import forms

    class Extended(ComplaintAdmin):
        def workflow_form(self, name, request, complaint):
            if name == "remedy":
                return forms.ReasonForm
            return super().workflow_form(name, request, complaint)

    extended = Extended(Complaint, admin.site)
    complaint = walk("apologized")
    request = rf.get(CHANGELIST)
    request.user = frontline
    assert extended.workflow_form("remedy", request, complaint) is forms.ReasonForm
    assert extended.workflow_form("apologize", request, complaint) is forms.ApologizeForm
    request.session, request._messages = {}, None
    response = extended.changelist_view(request)
    response.render()
    assert 'value="assign_to_me"' in response.content.decode()
    assert reverse("admin:complaints_complaint_changelist") == CHANGELIST


@pytest.mark.django_db
def test_paginator_pages_match_plain_slicing(frontline):
    make(7, assignee=frontline, next_due_at=hours(5))
    make(6, next_due_at=hours(-5))
    make(4)
    queue = selectors.complaint_queue(user=frontline)
    expected = list(queue)
    paginator = CappedCountPaginator(queue, 5)
    pages = [list(paginator.page(n).object_list) for n in paginator.page_range]
    assert [c.pk for page in pages for c in page] == [c.pk for c in expected]
    with CaptureQueriesContext(connection) as ctx:
        list(paginator.page(2).object_list)
    (sql,) = [q["sql"] for q in ctx.captured_queries]
    assert "IN (SELECT" in sql.upper() and "LIMIT" in sql.upper()
