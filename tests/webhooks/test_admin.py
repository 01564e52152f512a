"""The webhook admin: a subscription saved there follows the API's URL rules."""

import pytest
from django.urls import reverse

from tests.factories import UserFactory
from webhooks.models import WebhookSubscription


@pytest.mark.django_db
def test_the_admin_holds_a_url_to_the_same_rules(client, settings):
    settings.WEBHOOK_ALLOWED_NETWORKS = []
    root = UserFactory(username="root", is_superuser=True, is_staff=True)
    client.force_login(root)
    add = reverse("admin:webhooks_webhooksubscription_add")
    form = {"owner": root.pk, "events": '["complaint.created"]', "secret": "s" * 20}
    for url, words in (
        ("http://0x7f000001/", "loopback"),
        ("http://169.254.169.254/", "metadata"),
        ("http://hooks.example.com:abc/", "port"),
    ):
        page = client.post(add, {**form, "url": url, "is_active": "on"})
        assert page.status_code == 200 and words in page.content.decode(), url
    assert WebhookSubscription.objects.count() == 0
    page = client.post(add, {**form, "url": "https://hooks.example.com/in", "is_active": "on"})
    assert page.status_code == 302
    assert WebhookSubscription.objects.get().url == "https://hooks.example.com/in"
