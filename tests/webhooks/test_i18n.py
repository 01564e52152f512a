"""The webhook admin in Simplified Chinese; a delivery's "Pending" is not a deadline's."""

import pytest
from django.urls import reverse
from django.utils import translation

from escalation.models import DeadlineStatus
from tests.factories import UserFactory
from webhooks.models import DeliveryStatus

ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-Hans,zh;q=0.9"}


def test_pending_is_told_apart_by_context():
    with translation.override("zh-hans"):
        assert str(DeliveryStatus.PENDING.label) == "待投递"
        assert str(DeadlineStatus.PENDING.label) == "计时中"
    with translation.override("en"):
        assert str(DeliveryStatus.PENDING.label) == "Pending"


@pytest.mark.django_db
def test_delivery_admin_in_simplified_chinese(client):
    root = UserFactory(username="root", is_superuser=True)
    client.force_login(root)
    html = client.get(reverse("admin:webhooks_webhookdelivery_changelist"), **ZH)
    html = html.content.decode()
    assert "选择 Webhook 投递 来修改" in html  # the model's name, in Django's own title
    assert "待投递" in html and "失败（已放弃）" in html  # the status filter's choices
    assert "Failed (gave up)" not in html


@pytest.mark.django_db
def test_outgoing_staff_email_admin_in_simplified_chinese(client):
    root = UserFactory(username="root2", is_superuser=True)
    client.force_login(root)
    html = client.get(reverse("admin:webhooks_outboxmail_changelist"), **ZH).content.decode()
    assert "待发员工邮件" in html and "Outgoing staff emails" not in html
    assert "发送时间" in html and "失败时间" in html  # the columns
