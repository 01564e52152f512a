"""The OpenAPI document and the interactive docs: served locally, every error documented."""

import json

import pytest
import yaml
from django.test import Client

from tests.api.conftest import Api

ERRORS = {"400", "401", "403", "404", "429", "default"}


@pytest.fixture
def document(db):
    response = Client().get("/api/v1/schema/")
    assert response.status_code == 200
    return yaml.safe_load(response.content)


def test_every_operation_documents_its_errors_in_the_one_shape(document):
    operations = [
        (path, method, op)
        for path, item in document["paths"].items()
        for method, op in item.items()
    ]
    assert len(operations) == 21  # complaints 13, compensation 4, webhooks 4
    for path, method, op in operations:
        assert ERRORS <= set(op["responses"]), (path, method)
        for code in ERRORS:
            ref = op["responses"][code]["content"]["application/json"]["schema"]["$ref"]
            assert ref == "#/components/schemas/Error"
    error = document["components"]["schemas"]["Error"]
    assert set(error["required"]) == {"code", "message", "fields"}


def test_transitions_document_conflicts_and_rules(document):
    for name in (
        "acknowledge",
        "apologize",
        "remedy",
        "escalate",
        "return",
        "set_limits",
        "reopen",
        "pause",
        "resume",
    ):
        op = document["paths"][f"/api/v1/complaints/{{complaint_id}}/{name}/"]["post"]
        assert {"200", "409", "422"} <= set(op["responses"]), name
        assert {p["name"] for p in op["parameters"]} >= {"Idempotency-Key", "If-Match"}


def test_token_auth_is_declared(document):
    schemes = document["components"]["securitySchemes"]
    assert schemes["tokenAuth"]["type"] == "apiKey"
    assert schemes["tokenAuth"]["name"] == "Authorization"


def test_amounts_are_decimal_strings(document):
    amount = document["components"]["schemas"]["CompensationItemInRequest"]["properties"]["amount"]
    assert amount["type"] == "string" and amount["format"] == "decimal"


@pytest.mark.django_db
def test_docs_page_uses_local_assets_only():
    response = Client().get("/api/v1/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "drf_spectacular_sidecar/swagger-ui-dist" in html
    assert "cdn" not in html.lower() and "unpkg" not in html.lower()


@pytest.mark.django_db
def test_unknown_api_path_is_404_in_shape():
    response = Api().get("/no/such/thing/")
    assert response.status_code == 404 and response.data["code"] == "not_found"


def test_a_bug_under_the_api_still_answers_in_shape(rf):
    from api.rest import server_error

    response = server_error(rf.get("/api/v1/complaints/"))
    assert response.status_code == 500
    assert response["Content-Type"] == "application/json"
    assert set(json.loads(response.content)) == {"code", "message", "fields"}
    assert server_error(rf.get("/admin/"))["Content-Type"].startswith("text/html")
