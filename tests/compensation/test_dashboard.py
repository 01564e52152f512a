"""Compensation granted by kind and tier: the selector, and its panel on the insight dashboard."""

from datetime import timedelta
from decimal import Decimal

import pgtrigger
import pytest
from django.contrib import admin
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from compensation import selectors, services
from compensation.models import CompensationRequest
from complaints.admin import ComplaintAdmin
from complaints.models import Complaint
from escalation.models import Deadline
from tests.factories import complaint_in

pytestmark = pytest.mark.django_db
DASHBOARD = "/admin/complaints/complaint/dashboard/"


def remedy(actor, *items):
    c = complaint_in("apologized")
    return services.complaint_remedy_with_compensation(
        outcome="upheld",
        complaint_id=c.pk,
        actor=actor,
        message="Here is what we do.",
        root_cause="Packer forgot the opener",
        items=[{"kind": kind, "amount": amount} for kind, amount in items],
    )


@pytest.fixture
def given(frontline, manager):
    """On the spot: an opener by express and a coconut, then another small gift; a 400 EUR
    refund approved by a manager; one refund rejected; one gift decided long ago."""
    remedy(frontline, ("replacement", "14.90"), ("gift", "3.50"))
    remedy(frontline, ("gift", "2.00"))
    (approved,) = remedy(frontline, ("refund", "400")).requests
    services.compensation_approve(request_id=approved.pk, actor=manager, note="Faulty batch.")
    (rejected,) = remedy(frontline, ("refund", "300")).requests
    services.compensation_reject(request_id=rejected.pk, actor=manager, note="Repair instead.")
    (old,) = remedy(frontline, ("gift", "5.00")).requests
    # Backdating a decision is what the audit trigger refuses (PostgreSQL): the test alone may.
    with pgtrigger.ignore("compensation.CompensationRequest:audit_update"):
        CompensationRequest.objects.filter(pk=old.pk).update(
            decided_at=timezone.now() - timedelta(days=31)
        )
    remedy(frontline, ("refund", "400"))  # still pending: not given yet


def test_granted_by_kind_and_tier_over_30_days(given):
    granted = selectors.compensation_granted(days=30)
    G = selectors.Granted
    assert granted["rows"] == [
        G("refund", "manager", "EUR", 1, Decimal("400.00")),
        G("replacement", "frontline", "EUR", 1, Decimal("14.90")),
        G("gift", "frontline", "EUR", 2, Decimal("5.50")),
    ]
    assert granted["by_kind"] == [
        G("refund", "", "EUR", 1, Decimal("400.00")),
        G("replacement", "", "EUR", 1, Decimal("14.90")),
        G("gift", "", "EUR", 2, Decimal("5.50")),
    ]
    assert granted["by_tier"] == [
        G("", "frontline", "EUR", 3, Decimal("20.40")),
        G("", "manager", "EUR", 1, Decimal("400.00")),
    ]
    assert all(isinstance(g.total, Decimal) for g in granted["rows"])
    assert granted["rows"][0].money == "400.00 EUR"
    older = selectors.compensation_granted(days=40)
    assert G("gift", "frontline", "EUR", 3, Decimal("10.50")) in older["rows"]


def test_nothing_given_is_empty():
    assert selectors.compensation_granted() == {
        "days": 30,
        "rows": [],
        "by_kind": [],
        "by_tier": [],
    }


def test_dashboard_shows_every_panel_and_its_queries_stay_flat(client, manager, frontline):
    registered = admin.site._registry[Complaint]
    assert type(registered) is ComplaintAdmin  # complaints' own; the panels are registered
    client.force_login(manager)

    def load() -> tuple[int, str]:
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(DASHBOARD)
        assert response.status_code == 200
        return len(ctx.captured_queries), response.content.decode()

    remedy(frontline, ("replacement", "14.90"), ("gift", "3.50"))
    few, html = load()
    for block in ('id="open-by-state"', 'id="deadline-week"', 'id="compensation-granted"'):
        assert block in html, block
    table = html[html.index('id="granted-by-kind-and-tier"') :]
    assert "Replacement" in table and "Frontline" in table and "14.90 EUR" in table
    assert 'data-label="Gift · EUR" data-value="3.50"' in html

    for _ in range(6):
        remedy(frontline, ("shipping_refund", "4.95"), ("voucher", "10"))
    c = Complaint.objects.first()
    now = timezone.now()
    Deadline.objects.bulk_create(
        Deadline(
            complaint=c, kind=kind, status="breached", due_at=now, warn_at=now, breached_at=now
        )
        for kind in ("first_response", "promise", "resolution", "approval") * 3
    )
    many, html = load()
    assert "Shipping refund" in html and 'id="breaches-this-week">12<' in html
    assert many == few, f"{few} queries, then {many}"


def test_dashboard_panels_follow_the_browsers_language(client, manager, frontline):
    remedy(frontline, ("gift", "3.50"))
    client.force_login(manager)
    zh = client.get(DASHBOARD, HTTP_ACCEPT_LANGUAGE="zh-Hans,zh;q=0.9").content.decode()
    for text in ("本周超时与预警", "对客户的承诺", "已给予的补偿（最近 30 天）", "赠品", "一线"):
        assert text in zh, text
    english = client.get(DASHBOARD).content.decode()
    assert "Breaches and warnings this week" in english and "本周" not in english


def test_granted_as_a_csv_download(client, frontline, given):
    import csv
    import io

    client.force_login(frontline)
    response = client.get("/admin/complaints/complaint/dashboard/compensation-granted.csv")
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode("utf-8").removeprefix("\ufeff")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["Kind", "Tier", "Currency", "Number granted", "Total"]
    assert [r[2:] for r in rows[1:]] == [
        ["EUR", "1", "400.00"],
        ["EUR", "1", "14.90"],
        ["EUR", "2", "5.50"],
    ]
    assert rows[1][0] == "Refund"
