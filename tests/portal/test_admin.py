"""Staff see the customer's answers on the workbench as they happen, the queue flags a declined
remedy (in the queue's own query), and staff renew or revoke the link (audited)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from complaints import services as complaint_services
from complaints.models import TransitionLog
from portal import services
from portal.models import CustomerLink

pytestmark = pytest.mark.django_db


def _page(client, user, complaint) -> str:
    client.force_login(user)
    response = client.get(reverse("admin:complaints_complaint_change", args=[complaint.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_workbench_shows_confirmation_acceptance_and_rating(walk, client, frontline):
    c = walk("remedied")
    html = _page(client, frontline, c)
    assert "The customer&#x27;s answers" in html or "The customer's answers" in html
    assert "No answer yet." in html and "Not rated yet." in html
    complaint_services.complaint_summary_confirm(complaint_id=c.pk, actor=None)
    services.remedy_respond(
        complaint_id=c.pk, actor=None, decision="accepted", words="Lovely, thank you."
    )
    services.handling_rate(
        complaint_id=c.pk, actor=None, fairness=5, solved=True, comment="Kind and quick."
    )
    html = _page(client, frontline, c)
    assert "Confirmed by the customer" in html
    assert "Accepted" in html and "Lovely, thank you." in html
    assert "Treated fairly: 5/5" in html and "Solved: yes" in html and "Kind and quick." in html


def test_queue_flags_a_declined_remedy_without_a_query_per_row(
    walk, client, frontline, django_assert_max_num_queries
):
    declined = walk("remedied", subject="Opener broken")
    services.remedy_respond(complaint_id=declined.pk, actor=None, decision="declined", words="No")
    walk("acknowledged", subject="Another one")
    client.force_login(frontline)
    url = reverse("admin:complaints_complaint_changelist") + "?queue=open"
    html = client.get(url).content.decode()
    cell = html.index('class="field-subject_flags"', html.index(f"{declined.reference}<"))
    assert "Opener broken" in html[cell : cell + 300]
    assert "Remedy declined" in html[cell : cell + 300]
    assert html.count("Remedy declined") == 1
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for _ in range(5):
        walk("remedied")
        c = walk("remedied")
        services.remedy_respond(complaint_id=c.pk, actor=None, decision="declined", words="No")
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(url)


def test_staff_renew_and_revoke_the_link(walk, client, frontline):
    c = walk("acknowledged")
    services.customer_links_ensure(complaint_ids=[c.pk])
    client.force_login(frontline)
    assert "/c/" in _page(client, frontline, c)
    renewed = client.post(reverse("admin:portal_customerlink_renew", args=[c.pk]))
    assert renewed.status_code == 302
    assert CustomerLink.objects.filter(complaint=c).count() == 2
    client.post(reverse("admin:portal_customerlink_revoke", args=[c.pk]))
    assert not CustomerLink.objects.filter(complaint=c, revoked_at__isnull=True).exists()
    logs = TransitionLog.objects.filter(complaint=c, actor=frontline)
    assert list(logs.values_list("transition", flat=True)) == [
        "customer_link_issue",
        "customer_link_revoke",
    ]
    assert client.get(reverse("admin:portal_customerlink_revoke", args=[c.pk])).status_code == 405


def test_dashboard_shows_what_customers_told_us(walk, client, manager):
    c = walk("remedied")
    complaint_services.complaint_summary_confirm(complaint_id=c.pk, actor=None)
    services.remedy_respond(complaint_id=c.pk, actor=None, decision="accepted", words="")
    services.handling_rate(complaint_id=c.pk, actor=None, fairness=4, solved=True)
    client.force_login(manager)
    html = client.get(reverse("admin:complaints_complaint_dashboard")).content.decode()
    panel = html[html.index('id="customer-insight"') :]
    assert "100% (1/1)" in panel  # summaries confirmed, remedies accepted
    assert "Ratings by category" in panel and "Missing item" in panel and "4.0" in panel


def test_the_links_list_never_shows_a_key(walk, client, frontline):
    c = walk("acknowledged")
    services.customer_links_ensure(complaint_ids=[c.pk])
    link = CustomerLink.objects.get(complaint=c)
    client.force_login(frontline)
    listing = client.get(reverse("admin:portal_customerlink_changelist"))
    detail = client.get(reverse("admin:portal_customerlink_change", args=[link.pk]))
    assert listing.status_code == detail.status_code == 200
    assert c.reference in listing.content.decode()
    assert link.key not in listing.content.decode() + detail.content.decode()
