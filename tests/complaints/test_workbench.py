"""The complaint page: customer on top, other complaints, public vs internal entries, hooks."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils.html import format_html

from complaints import extensions, forms, services
from complaints.admin import ACTIONS, ComplaintAdmin
from complaints.models import Complaint
from tests.factories import complaint_new


def page_of(client, complaint) -> str:
    response = client.get(f"/admin/complaints/complaint/{complaint.pk}/change/")
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.django_db
def test_customer_block_and_their_other_complaints(client, frontline):
    first = complaint_new(customer_email="cora@example.com", customer_name="Cora Nutley")
    second = complaint_new(
        customer_email="cora@example.com", customer_name="Cora Nutley", subject="Late again"
    )
    stranger = complaint_new(customer_email="someone@example.com", subject="Not hers")
    client.force_login(frontline)
    html = page_of(client, second)
    customer = html[html.index('id="customer"') : html.index('id="complaint-summary"')]
    assert "Cora Nutley" in customer and "cora@example.com" in customer
    start = html.index('id="customer-complaints"')
    others = html[start : html.index("</table>", start)]
    assert first.reference in others and stranger.reference not in others
    assert second.reference not in others
    assert html.index('id="customer"') < html.index('id="timeline"')


@pytest.mark.django_db
def test_internal_and_public_entries_are_marked_differently(client, frontline):
    complaint = complaint_new()
    services.message_add(
        complaint_id=complaint.pk, actor=frontline, body="Sounded furious.", visibility="internal"
    )
    services.message_add(complaint_id=complaint.pk, actor=frontline, body="We are on it.")
    client.force_login(frontline)
    html = page_of(client, complaint)

    def entry_of(text: str) -> str:
        end = html.index(text)
        return html[html.rindex("<li", 0, end) : end]

    assert 'data-visibility="internal"' in entry_of("Sounded furious.")
    assert "Internal note" in entry_of("Sounded furious.")
    assert 'data-visibility="public"' in entry_of("We are on it.")
    assert "To the customer" in entry_of("We are on it.")
    assert "From the customer" in entry_of("taken me for a ride")


@pytest.mark.django_db
def test_page_queries_do_not_grow_with_history(client, frontline):
    complaint = complaint_new(customer_email="same@example.com")
    client.force_login(frontline)

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            page_of(client, complaint)
        return len(ctx.captured_queries)

    small = queries()
    for i in range(6):
        services.message_add(complaint_id=complaint.pk, actor=frontline, body=f"note {i}")
        other = complaint_new(customer_email="same@example.com")
        services.complaint_assign(complaint_id=other.pk, actor=frontline, assignee=frontline)
    assert queries() == small


@pytest.mark.django_db
def test_higher_apps_extension_points_reach_the_page(rf, frontline, walk):
    def panel(request, complaint):
        return format_html('<div class="module" id="extra">{}</div>', "Panel!")

    complaint = walk("apologized")
    request = rf.get(f"/admin/complaints/complaint/{complaint.pk}/change/")
    request.user = frontline
    request.session, request._messages = {}, None
    registered = admin.site._registry[Complaint]
    assert type(registered) is ComplaintAdmin
    with extensions.override(
        admin_actions={"remedy": {"label": "Remedy with compensation", "form": forms.RemedyForm}},
        complaint_panels=[panel],
    ):
        html = registered.change_view(request, str(complaint.pk)).render().content.decode()
    assert '<div class="module" id="extra">Panel!</div>' in html
    assert "Remedy with compensation" in html
    assert ACTIONS["remedy"].label == "Remedy"  # the declared table itself never changes
