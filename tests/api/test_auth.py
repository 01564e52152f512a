"""Tokens, sessions, roles and throttling at the API's door."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from api.models import ApiToken
from api.services import api_token_revoke
from tests import factories
from tests.api.conftest import Api, token_for


def assert_error(response, status, code):
    assert response.status_code == status, response.content
    assert set(response.data) == {"code", "message", "fields"}
    assert response.data["code"] == code


@pytest.mark.django_db
def test_no_token_is_401_with_challenge():
    response = Api().get("/complaints/")
    assert_error(response, 401, "not_authenticated")
    assert response["WWW-Authenticate"] == "Token"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "header",
    [
        "Token nonsense",
        "Token rdr_000000000000_x",
        "Token rdr_00000000000\x00_x",
        "Token rdr_ABCDEF\x00\x00\x00\x00\x00\x00_x",
        "Token a b",
        "Token",
        "Bearer x",
        "Token é",
    ],
)
def test_bad_token_is_401(header, integration):
    token_for(integration)
    response = Api(Authorization=header).get("/complaints/")
    assert response.status_code == 401
    assert response.data["code"] in {"authentication_failed", "not_authenticated"}


@pytest.mark.django_db
def test_key_is_stored_hashed(integration):
    key = token_for(integration)
    token = ApiToken.objects.get(user=integration)
    assert key not in (token.key_hash, token.prefix)
    assert len(token.key_hash) == 64 and token.prefix in key


@pytest.mark.django_db
def test_revoked_token_is_refused(integration):
    key = token_for(integration)
    assert Api(key).get("/complaints/").status_code == 200
    api_token_revoke(token_id=ApiToken.objects.get(user=integration).pk)
    assert_error(Api(key).get("/complaints/"), 401, "authentication_failed")


@pytest.mark.django_db
def test_inactive_user_is_refused(integration):
    key = token_for(integration)
    integration.is_active = False
    integration.save()
    assert Api(key).get("/complaints/").status_code == 401


@pytest.mark.django_db
def test_role_less_user_is_403(outsider):
    assert_error(Api(token_for(outsider)).get("/complaints/"), 403, "not_permitted")


@pytest.mark.django_db
def test_create_api_token_prints_key_last_and_rotates(integration):
    out = StringIO()
    call_command("create_api_token", "shop", stdout=out)
    first = out.getvalue().strip().splitlines()[-1]
    assert Api(first).get("/complaints/").status_code == 200

    out = StringIO()
    call_command("create_api_token", "shop", stdout=out)
    second = out.getvalue().strip().splitlines()[-1]
    assert second != first
    assert Api(second).get("/complaints/").status_code == 200
    assert Api(first).get("/complaints/").status_code == 401
    assert ApiToken.objects.filter(user=integration, revoked_at__isnull=True).count() == 1


@pytest.mark.django_db
def test_create_api_token_unknown_user():
    with pytest.raises(CommandError):
        call_command("create_api_token", "ghost", stdout=StringIO())


@pytest.mark.django_db
def test_session_auth_for_staff_and_csrf(frontline):
    client = Client(enforce_csrf_checks=True)
    client.force_login(frontline)
    assert client.get("/api/v1/complaints/").status_code == 200
    response = client.post("/api/v1/complaints/", data="{}", content_type="application/json")
    assert response.status_code == 403  # no CSRF token: a browser session cannot be ridden
    assert response.json()["code"] == "not_permitted"


@pytest.mark.django_db
def test_throttled_per_token(settings, integration, frontline):
    settings.API_THROTTLE_RATE = "3/min"
    api = Api(token_for(integration))
    assert [api.get("/complaints/").status_code for _ in range(3)] == [200, 200, 200]
    response = api.get("/complaints/")
    assert_error(response, 429, "throttled")
    assert int(response["Retry-After"]) > 0
    assert Api(token_for(frontline)).get("/complaints/").status_code == 200  # its own bucket


@pytest.mark.django_db
def test_admin_issues_token_once_and_revokes(integration):
    admin_user = factories.UserFactory(username="root", is_superuser=True)
    client = Client()
    client.force_login(admin_user)
    response = client.post(
        "/admin/api/apitoken/add/",
        {"user": integration.pk, "name": "shop"},
        follow=True,
    )
    assert response.status_code == 200
    shown = [str(m) for m in response.context["messages"]]
    key = next(m.rsplit(" ", 1)[-1] for m in shown if "not shown again" in m)
    token = ApiToken.objects.get(user=integration, name="shop")
    assert key not in token.key_hash
    assert Api(key).get("/complaints/").status_code == 200
    page = client.get(f"/admin/api/apitoken/{token.pk}/change/")
    assert key not in page.content.decode()

    client.post(
        "/admin/api/apitoken/",
        {"action": "revoke", "_selected_action": [token.pk]},
    )
    assert Api(key).get("/complaints/").status_code == 401


@pytest.mark.django_db
def test_staff_without_model_permission_cannot_issue_tokens(frontline):
    client = Client()
    client.force_login(frontline)
    assert client.get("/admin/api/apitoken/add/").status_code == 403
