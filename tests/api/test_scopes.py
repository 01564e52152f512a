"""Token scopes: issued within the user's role (service, command, admin), checked by one pure
function, and documented per operation in the OpenAPI schema."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from api import scopes
from api.models import ApiToken
from api.services import api_token_issue
from core.errors import InvalidDataError
from tests import factories
from tests.api.conftest import Api

pytestmark = pytest.mark.django_db


def test_tokens_get_their_roles_scopes_by_default(integration, frontline, outsider):
    assert api_token_issue(user=integration)[0].scopes == list(scopes.INTEGRATION_SCOPES)
    assert api_token_issue(user=frontline)[0].scopes == list(scopes.STAFF_SCOPES)
    assert api_token_issue(user=outsider)[0].scopes == []


def test_an_integration_never_gets_the_staff_scope(integration):
    with pytest.raises(InvalidDataError) as refused:
        api_token_issue(user=integration, scopes=["complaints:read", "staff"])
    assert "staff" in refused.value.fields["scopes"][0]
    with pytest.raises(InvalidDataError):
        api_token_issue(user=integration, scopes=["complaints:write"])
    assert not ApiToken.objects.exists()
    token, _ = api_token_issue(user=integration, scopes=["webhooks:manage", "complaints:read"])
    assert token.scopes == ["complaints:read", "webhooks:manage"]  # in the documented order


def test_a_token_never_outgrows_its_user(frontline):
    token, key = api_token_issue(user=frontline)
    assert scopes.has_scope(user=frontline, token=token, scope="staff")
    frontline.groups.clear()
    frontline._redress_roles = None
    assert scopes.scopes_of(user=frontline, token=token) == frozenset()
    assert scopes.scopes_of(user=factories.UserFactory(username="x2", groups=["integration"])) == (
        frozenset(scopes.INTEGRATION_SCOPES)
    )


def test_create_api_token_takes_scopes(integration):
    out = StringIO()
    call_command("create_api_token", "shop", "--scope", "complaints:read", stdout=out)
    assert ApiToken.objects.get(user=integration).scopes == ["complaints:read"]
    assert "complaints:read" in out.getvalue()
    with pytest.raises(CommandError):
        call_command("create_api_token", "shop", "--name", "x", "--scope", "staff", stdout=out)


def test_the_admin_issues_with_scope_checkboxes_and_lists_them(integration):
    root = factories.UserFactory(username="root", is_superuser=True)
    client = Client()
    client.force_login(root)
    form = client.get("/admin/api/apitoken/add/").content.decode()
    assert 'type="checkbox" name="scopes" value="customer:act"' in form
    refused = client.post(
        "/admin/api/apitoken/add/", {"user": integration.pk, "name": "shop", "scopes": ["staff"]}
    )
    assert refused.status_code == 200 and not ApiToken.objects.exists()  # the form shows why
    client.post(
        "/admin/api/apitoken/add/",
        {"user": integration.pk, "name": "shop", "scopes": ["complaints:read"]},
    )
    token = ApiToken.objects.get(user=integration)
    assert token.scopes == ["complaints:read"]
    listing = client.get("/admin/api/apitoken/").content.decode()
    assert "complaints:read" in listing
    assert client.get(f"/admin/api/apitoken/{token.pk}/change/").status_code == 200


def test_the_schema_documents_schemes_and_each_operations_scopes(frontline):
    schema = Api().client.get("/api/v1/schema/?format=json").json()
    schemes = schema["components"]["securitySchemes"]
    assert (
        schemes["tokenAuth"]["type"] == "apiKey"
        and "customer:act" in (schemes["tokenAuth"]["description"])
    )
    assert schemes["cookieAuth"]["in"] == "cookie"
    paths = schema["paths"]
    expected = {
        ("/api/v1/complaints/", "get"): [["complaints:read"]],
        ("/api/v1/complaints/", "post"): [["complaints:file"]],
        ("/api/v1/complaints/{complaint_id}/reopen/", "post"): [["customer:act", "staff"]],
        ("/api/v1/complaints/{complaint_id}/acknowledge/", "post"): [["staff"]],
        ("/api/v1/compensations/", "get"): [["staff"]],
        ("/api/v1/webhooks/", "post"): [["webhooks:manage"]],
    }
    for (path, method), wanted in expected.items():
        operation = paths[path][method]
        assert operation["x-required-scopes"] == wanted, path
        assert "Required token scope" in operation["description"]
    for path, operations in paths.items():
        for method, operation in operations.items():
            if method in ("get", "post", "delete") and path.startswith("/api/v1/"):
                if "schema" in path or "docs" in path:
                    continue
                assert operation.get("x-required-scopes"), (path, method)
    detail = paths["/api/v1/complaints/{complaint_id}/"]["get"]["responses"]["200"]
    ref = detail["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
    union = schema["components"]["schemas"][ref]
    assert union["discriminator"]["propertyName"] == "view"
    assert set(union["discriminator"]["mapping"]) == {"staff", "customer"}
