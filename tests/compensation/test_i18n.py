"""The compensation screens in Simplified Chinese: approval queue, decision message, the
complaint page's compensation panel and Remedy form follow the browser's language."""

import pytest
from django.urls import reverse

from compensation import services
from complaints.models import Complaint
from tests.factories import complaint_in

ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-Hans,zh;q=0.9"}


def _pending_refund(frontline):
    c = complaint_in("apologized")
    services.complaint_remedy_with_compensation(
        outcome="upheld",
        complaint_id=c.pk,
        actor=frontline,
        message="Full refund.",
        root_cause="Faulty",
        items=[{"kind": "refund", "amount": "400"}],
    )
    return c


@pytest.mark.django_db
def test_approval_queue_in_simplified_chinese(client, frontline, manager):
    c = _pending_refund(frontline)
    client.force_login(manager)
    html = client.get(reverse("admin:compensation_pendingapproval_changelist"), **ZH)
    html = html.content.decode()
    assert c.reference in html
    for shown in ("审批队列", "退款", ">批准<", ">驳回<"):
        assert shown in html, shown
    for english in ("Nothing is waiting", ">Approve<", ">Reject<", "Refund"):
        assert english not in html, english

    english = client.get(reverse("admin:compensation_pendingapproval_changelist")).content
    assert b">Approve<" in english and "审批队列".encode() not in english


@pytest.mark.django_db
def test_decision_message_and_complaint_panel_in_simplified_chinese(client, frontline, manager):
    c = _pending_refund(frontline)
    request_id = c.compensation_requests.get().pk
    client.force_login(manager)
    url = reverse("admin:compensation_pendingapproval_decide", args=[request_id, "approve"])
    response = client.post(url, {"note": "OK"}, follow=True, **ZH)
    assert f"已批准：{c.reference} 当前状态为已补救。" in response.content.decode()
    assert Complaint.objects.get(pk=c.pk).state == "remedied"

    page = client.get(reverse("admin:complaints_complaint_change", args=[c.pk]), **ZH)
    html = page.content.decode()
    assert "<h2>补偿</h2>" in html and "审批人" in html and "已批准" in html


@pytest.mark.django_db
def test_remedy_form_labels_in_simplified_chinese(client, frontline):
    c = complaint_in("apologized")
    client.force_login(frontline)
    url = reverse("admin:complaints_complaint_transition", args=[c.pk, "remedy"])
    html = client.get(url, **ZH).content.decode()
    assert "第 1 项：类型" in html and "— 不提供补偿 —" in html
    assert "Item 1: kind" not in html
