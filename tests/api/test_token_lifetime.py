"""API tokens show when they were last used (one write a minute at most) and can expire."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from api.models import ApiToken
from api.services import api_token_issue
from core.errors import InvalidDataError
from tests.api.conftest import Api


def _writes(queries) -> list[str]:
    return [q["sql"] for q in queries if q["sql"].lstrip().upper().startswith("UPDATE")]


@pytest.mark.django_db
def test_last_used_is_stamped_at_most_once_a_minute(integration):
    token, key = api_token_issue(user=integration)
    assert token.last_used_at is None
    api = Api(key)
    assert api.get("/complaints/").status_code == 200
    first = ApiToken.objects.get(pk=token.pk).last_used_at
    assert first is not None
    with CaptureQueriesContext(connection) as queries:
        for _ in range(5):
            assert api.get("/complaints/").status_code == 200
    assert not [w for w in _writes(queries) if "apitoken" in w], "no write per request"
    assert ApiToken.objects.get(pk=token.pk).last_used_at == first
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=first - timedelta(seconds=61))
    assert api.get("/complaints/").status_code == 200
    assert ApiToken.objects.get(pk=token.pk).last_used_at > first


@pytest.mark.django_db
def test_an_expired_token_is_401_in_the_error_shape(integration):
    token, key = api_token_issue(user=integration, expires_at=timezone.now() + timedelta(minutes=5))
    api = Api(key)
    assert api.get("/complaints/").status_code == 200
    used = ApiToken.objects.get(pk=token.pk).last_used_at
    ApiToken.objects.filter(pk=token.pk).update(
        expires_at=timezone.now() - timedelta(seconds=1), last_used_at=used - timedelta(hours=1)
    )
    response = api.get("/complaints/")
    assert response.status_code == 401
    assert set(response.data) == {"code", "message", "fields"}
    assert response.data["code"] == "authentication_failed"
    assert "expired" in response.data["message"]
    # Refused, so not "used": last_used_at stays where it was.
    assert ApiToken.objects.get(pk=token.pk).last_used_at == used - timedelta(hours=1)


@pytest.mark.django_db
def test_expiry_must_lie_in_the_future_and_the_command_sets_it(integration):
    with pytest.raises(InvalidDataError):
        api_token_issue(user=integration, expires_at=timezone.now() - timedelta(days=1))
    call_command(
        "create_api_token", integration.username, "--expires-days", "30", stdout=StringIO()
    )
    token = ApiToken.objects.get(user=integration, revoked_at__isnull=True)
    assert timedelta(days=29) < token.expires_at - timezone.now() <= timedelta(days=30)


@pytest.mark.django_db
def test_the_admin_lists_last_use_and_expiry(admin_client, integration):
    api_token_issue(user=integration, expires_at=timezone.now() + timedelta(days=3))
    page = admin_client.get("/admin/api/apitoken/").content.decode()
    assert "Last used at" in page and "Expires at" in page
