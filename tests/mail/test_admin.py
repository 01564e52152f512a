"""Staff screens of customer mail: the complaint page's mail log shows a failure, the mail log's
changelist does not grow in queries with its rows, managers (only) edit the email texts and the
integrations' mail setting."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from complaints import services
from mail import services as mail_services
from mail.models import IntegrationMailSetting, MailTemplate, OutboundMail
from tests import factories

pytestmark = pytest.mark.django_db

MAIL_LOG = reverse("admin:mail_outboundmail_changelist")


def test_the_complaint_page_shows_the_mails_and_a_failure(client, frontline, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", 1
    settings.MAIL_CUSTOMER_MAX_ATTEMPTS = 1  # the first failure is the last
    complaint = factories.complaint_in("acknowledged")
    assert mail_services.mail_send_due() == {"failed": 1}
    client.force_login(frontline)
    page = client.get(reverse("admin:complaints_complaint_change", args=[complaint.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Email to the customer" in html
    assert "One email did not reach the customer" in html
    assert "did not get our email" in html  # the internal note on the timeline
    assert complaint.customer.email in html


def test_the_complaint_page_says_when_nothing_was_mailed(client, frontline):
    complaint = factories.complaint_new()
    client.force_login(frontline)
    page = client.get(reverse("admin:complaints_complaint_change", args=[complaint.pk]))
    assert "No email to the customer yet." in page.content.decode()


def _log_queries(client) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(MAIL_LOG)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_the_mail_log_does_not_grow_in_queries_with_its_rows(client, frontline):
    client.force_login(frontline)
    for _ in range(3):
        factories.complaint_in("acknowledged")
    small = _log_queries(client)
    for _ in range(30):
        factories.complaint_in("apologized")
    assert OutboundMail.objects.count() == 3 + 60
    assert _log_queries(client) == small
    detail = reverse("admin:mail_outboundmail_change", args=[OutboundMail.objects.first().pk])
    assert client.get(detail).status_code == 200  # read-only, with its attempts


def test_agents_read_the_email_texts_and_managers_write_them(client, frontline, manager):
    add = reverse("admin:mail_mailtemplate_add")
    data = {"kind": "apology", "language": "zh-hans", "subject": "", "body": "", "active": "on"}
    client.force_login(frontline)
    assert client.get(reverse("admin:mail_mailtemplate_changelist")).status_code == 200
    assert client.post(add, data).status_code == 403
    client.force_login(manager)
    data["body"] = "{{ customer_name }}，您好：{{ message }}"
    assert client.post(add, data).status_code == 302
    assert MailTemplate.objects.get().language == "zh-hans"


def test_a_manager_turns_mail_off_for_an_integration(client, manager, integration, frontline):
    client.force_login(manager)
    response = client.post(
        reverse("admin:mail_integrationmailsetting_add"),
        {"integration": integration.pk},  # the box unticked: mail its customers itself
    )
    assert response.status_code == 302
    assert IntegrationMailSetting.objects.get().mail_customers is False
    complaint = factories.complaint_new(actor=integration)
    services.complaint_acknowledge(
        complaint_id=complaint.pk,
        actor=frontline,
        summary="s",
        message="m",
        promised_by=timezone.now() + timedelta(days=1),
    )
    assert not OutboundMail.objects.exists()
