"""The dashboard's figures, each from a selector, and its server-side SVG charts."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from complaints import selectors, services
from complaints.charts import BAR_WIDTH, svg_bars
from complaints.models import Complaint
from tests.factories import complaint_new


def age(complaint, **delta):
    Complaint.objects.filter(pk=complaint.pk).update(created_at=timezone.now() - timedelta(**delta))


@pytest.mark.django_db
def test_open_by_state_in_workflow_order_with_zeros(walk):
    walk("venting")
    walk("venting")
    walk("acknowledged")
    walk("remedied")  # closed: not counted
    assert selectors.insight_open_by_state() == [
        ("venting", "Venting", 2),
        ("acknowledged", "Acknowledged", 1),
        ("apologized", "Apologized", 0),
        ("escalated", "Escalated", 0),
    ]


@pytest.mark.django_db
def test_top_categories_over_the_window():
    for _ in range(3):
        complaint_new(category="delivery")
    complaint_new(category="billing")
    old = complaint_new(category="damaged")
    age(old, days=31)
    assert selectors.insight_top_categories(days=30) == [
        ("delivery", "Delivery", 3),
        ("billing", "Billing", 1),
    ]
    assert selectors.insight_top_categories(days=30, limit=1) == [("delivery", "Delivery", 3)]


@pytest.mark.django_db
def test_top_root_causes(walk, frontline):
    for cause in ("Packing", "Packing", "Courier"):
        c = walk("apologized")
        services.complaint_remedy(
            outcome="upheld", complaint_id=c.pk, actor=frontline, message="Sorry.", root_cause=cause
        )
    old = walk("remedied")  # root cause "Packing" by the factory, but filed long ago
    age(old, days=40)
    walk("venting")  # no root cause yet
    assert selectors.insight_top_root_causes(days=30) == [("Packing", 2), ("Courier", 1)]


@pytest.mark.django_db
def test_repeat_complainants():
    for _ in range(3):
        complaint_new(customer_email="cora@example.com", customer_name="Cora")
    complaint_new(customer_email="bill@example.com", customer_name="Bill")
    complaint_new(customer_email="olga@example.com", customer_name="Olga")
    age(complaint_new(customer_email="olga@example.com", customer_name="Olga"), days=45)
    rows = selectors.insight_repeat_complainants(days=30)
    assert [(c.name, n) for c, n in rows] == [("Cora", 3)]


@pytest.mark.django_db
def test_median_hours_to_first_acknowledgement(frontline):
    for hours in (2, 4, 10):
        c = complaint_new()
        age(c, hours=hours)
        services.complaint_acknowledge(
            complaint_id=c.pk,
            actor=frontline,
            summary="s",
            message="m",
            promised_by=timezone.now() + timedelta(days=1),
        )
    assert selectors.insight_median_hours_to(transition="acknowledge", days=30) == pytest.approx(
        4.0, abs=0.1
    )
    assert selectors.insight_median_hours_to(transition="remedy", days=30) is None


def test_svg_bars_scale_and_escape():
    svg = str(svg_bars([("<script>x</script>", 10), ("B", 5)], title="T & t"))
    assert svg.startswith("<svg") and "<script>" not in svg and "&lt;script&gt;" in svg
    assert f'width="{BAR_WIDTH}"' in svg and f'width="{BAR_WIDTH // 2}"' in svg
    assert "<title>T &amp; t</title>" in svg
    assert "—" in str(svg_bars([], title="empty"))


@pytest.mark.django_db
def test_dashboard_page_queries_do_not_grow(client, frontline, walk):
    client.force_login(frontline)

    def queries() -> tuple[int, str]:
        with CaptureQueriesContext(connection) as ctx:
            response = client.get("/admin/complaints/complaint/dashboard/")
        assert response.status_code == 200
        return len(ctx.captured_queries), response.content.decode()

    walk("remedied")
    small, html = queries()
    assert "<svg" in html and 'id="top-root-causes"' in html
    for _ in range(5):
        walk("remedied")
        complaint_new(customer_email="again@example.com")
    assert queries()[0] == small
    assert "Insight dashboard" in client.get("/admin/complaints/complaint/").content.decode()
