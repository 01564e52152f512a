"""The OpenAPI document and the interactive docs: served locally, every error documented."""

import json

import pytest
import yaml
from django.test import Client

from tests.api.conftest import INTAKE, Api

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
    # complaints 15, compensation 4, customer acts 3, webhooks 4, customers 2, reports 1, letters 1
    assert len(operations) == 30
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
        "merge",
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


# --- the document is valid OpenAPI 3.0 and 3.1, and real responses match it --------------------


def _document_31() -> dict:
    from drf_spectacular.generators import SchemaGenerator
    from drf_spectacular.settings import patched_settings

    with patched_settings({"OAS_VERSION": "3.1.0"}):
        return json.loads(json.dumps(SchemaGenerator().get_schema(request=None, public=True)))


@pytest.fixture
def document_31(db):
    return _document_31()


def test_the_served_document_is_strictly_valid_openapi_30(document):
    from openapi_spec_validator import OpenAPIV30SpecValidator

    assert document["openapi"].startswith("3.0")
    errors = [e.message for e in OpenAPIV30SpecValidator(document).iter_errors()]
    assert errors == []


def test_the_31_rendering_is_valid_openapi_31(document_31):
    from openapi_spec_validator import OpenAPIV31SpecValidator

    assert document_31["openapi"] == "3.1.0"
    errors = [e.message for e in OpenAPIV31SpecValidator(document_31).iter_errors()]
    assert errors == []
    assert "nullable" not in json.dumps(document_31)  # 3.1 says `null` in the type instead


def _validator(document: dict, component: str):
    from openapi_schema_validator import OAS30Validator, OAS31Validator

    cls = OAS31Validator if document["openapi"].startswith("3.1") else OAS30Validator
    root = {"$ref": f"#/components/schemas/{component}", "components": document["components"]}
    return cls(root)


def _response_schema_name(document: dict, path: str, method: str, status: str) -> str:
    op = document["paths"][f"/api/v1{path}"][method]
    return op["responses"][status]["content"]["application/json"]["schema"]["$ref"].split("/")[-1]


@pytest.mark.django_db
def test_real_responses_match_both_renderings(document, api_as, manager, integration):
    from compensation import services as compensation_services
    from tests import factories

    document_31 = _document_31()
    staff, shop = api_as(manager), api_as(integration)
    complaint = factories.complaint_in("escalated")  # deadlines, no assignee (null)
    compensation_services.compensation_request(
        complaint_id=complaint.pk, actor=manager, kind="gift", amount=0, currency="EUR"
    )
    filed = shop.post("/complaints/", INTAKE, headers={"Idempotency-Key": "k-1"})
    assert filed.status_code == 201
    shop.post(f"/complaints/{filed.data['id']}/messages/", {"body": "Hello?"})
    bodies = [
        ("/complaints/{complaint_id}/", "get", "200", staff.get(f"/complaints/{complaint.pk}/")),
        ("/complaints/{complaint_id}/", "get", "200", shop.get(f"/complaints/{filed.data['id']}/")),
        ("/complaints/", "get", "200", staff.get("/complaints/")),
        ("/complaints/", "get", "200", shop.get("/complaints/")),
        ("/complaints/", "post", "201", filed),
        ("/compensations/", "get", "200", staff.get("/compensations/")),
        ("/complaints/", "get", "400", staff.get("/complaints/", cursor="nonsense")),
    ]
    detail = bodies[0][3].data
    assert detail["assignee"] is None and detail["deadlines"] and detail["compensation_requests"]
    for path, method, status, response in bodies:
        assert str(response.status_code) == status, (path, response.data)
        for doc in (document, document_31):
            name = _response_schema_name(doc, path, method, status)
            errors = [e.message for e in _validator(doc, name).iter_errors(response.data)]
            assert errors == [], (doc["openapi"], path, status, errors)


def test_nullable_refs_admit_null_under_30(document):
    assignee = document["components"]["schemas"]["ComplaintOut"]["properties"]["assignee"]
    assert "nullable" not in assignee and "allOf" not in assignee
    assert _validator(document, "UserOut").is_valid({"id": 1, "username": "a", "name": ""})
    from openapi_schema_validator import OAS30Validator

    root = {**assignee, "components": document["components"]}
    assert OAS30Validator(root).is_valid(None)
    assert not OAS30Validator(root).is_valid("someone")


# --- every response, status and header is documented --------------------------------------------


def _op(document, path, method):
    return document["paths"][f"/api/v1{path}"][method]


def _header(op, name):
    return next(p for p in op["parameters"] if p["in"] == "header" and p["name"] == name)


def test_idempotency_key_and_if_match_carry_the_patterns_the_api_enforces(document):
    import re

    from api import calls

    for path, item in document["paths"].items():
        for method, op in item.items():
            names = {p["name"] for p in op.get("parameters", []) if p["in"] == "header"}
            if method == "post" and not path.startswith("/api/v1/webhooks/"):
                assert "Idempotency-Key" in names, path
                assert (
                    "Idempotent-Replayed"
                    in op["responses"]["200" if "200" in op["responses"] else "201"]["headers"]
                ), path
                assert "422" in op["responses"], path
    op = _op(document, "/complaints/{complaint_id}/acknowledge/", "post")
    key = _header(op, "Idempotency-Key")["schema"]
    assert key["maxLength"] == 255 and key["minLength"] == 1
    for value in ("order-5521-1", "x" * 255, "a b", "", "x" * 256, "é"):
        assert bool(re.fullmatch(key["pattern"], value)) == bool(calls._KEY.fullmatch(value))
    if_match = _header(op, "If-Match")["schema"]["pattern"]
    for value in ('"3"', "3", 'W/"3"', "three", '"3', "-1"):
        assert bool(re.fullmatch(if_match, value)) == bool(calls._ETAG.fullmatch(value)), value


@pytest.mark.django_db
def test_etag_and_idempotent_replayed_are_documented_and_sent(document, api_as, integration):
    import re

    retrieve = _op(document, "/complaints/{complaint_id}/", "get")
    etag = retrieve["responses"]["200"]["headers"]["ETag"]
    assert etag["required"] is True
    create = _op(document, "/complaints/", "post")
    replayed = create["responses"]["201"]["headers"]["Idempotent-Replayed"]["schema"]
    assert replayed["enum"] == ["true"]

    api = api_as(integration)
    first = api.post("/complaints/", INTAKE, headers={"Idempotency-Key": "k-2"})
    again = api.post("/complaints/", INTAKE, headers={"Idempotency-Key": "k-2"})
    assert "Idempotent-Replayed" not in first and again["Idempotent-Replayed"] == "true"
    got = api.get(f"/complaints/{first.data['id']}/")
    assert re.fullmatch(etag["schema"]["pattern"], got["ETag"])


def test_detail_sections_and_states_are_typed(document):
    schemas = document["components"]["schemas"]
    staff = schemas["ComplaintDetailOut"]["properties"]
    assert staff["deadlines"]["items"] == {"$ref": "#/components/schemas/DeadlineOut"}
    assert staff["compensation_requests"]["items"] == {
        "$ref": "#/components/schemas/CompensationOut"
    }
    customer = schemas["ComplaintCustomerDetailOut"]["properties"]
    assert customer["compensation"]["items"] == {
        "$ref": "#/components/schemas/GrantedCompensationOut"
    }
    assert schemas["TierEnum"]["enum"] == ["frontline", "team_lead", "manager"]
    assert schemas["FaultEnum"]["enum"] == ["company", "customer", "shared", "undetermined"]
    assert schemas["DeadlineStatusEnum"]["enum"] == [
        "pending",
        "warned",
        "met",
        "breached",
        "cancelled",
    ]
    assert "SubscriptionOut" in schemas and schemas["WebhookEventEnum"]["enum"]
    events = schemas["SubscriptionOut"]["properties"]["events"]["items"]
    assert events == {"$ref": "#/components/schemas/WebhookEventEnum"}


def test_outcomes_requests_and_natures_are_typed(document):
    """Remedy and set_limits require the outcome; the approval may give one; intake may say
    what the customer asks for; each item may say redress or goodwill."""
    from compensation.decision import NATURES
    from complaints.serializers import COMPENSATION_NATURES

    schemas = document["components"]["schemas"]
    assert schemas["OutcomeEnum"]["enum"] == ["upheld", "partly_upheld", "not_upheld"]
    assert schemas["CustomerRequestEnum"]["enum"] == [
        "refund",
        "replacement",
        "repair",
        "explanation",
        "apology",
        "other",
    ]
    assert schemas["CompensationNatureEnum"]["enum"] == list(COMPENSATION_NATURES)
    assert COMPENSATION_NATURES == NATURES
    for name in ("RemedyInRequest", "SetLimitsInRequest"):
        assert "outcome" in schemas[name]["required"], name
        assert "outcome_reason" not in schemas[name]["required"], name
    decision = schemas["DecisionInRequest"]
    assert {"outcome", "outcome_reason"} <= set(decision["properties"])
    assert "outcome" not in decision.get("required", [])
    intake = schemas["IntakeInRequest"]["properties"]
    assert {"customer_request", "customer_request_detail"} <= set(intake)
    item = schemas["CompensationItemInRequest"]
    assert "nature" in item["properties"] and "nature" not in item["required"]
    staff = schemas["ComplaintDetailOut"]["properties"]
    assert {"customer_request", "outcome", "outcome_reason"} <= set(staff)
    customer = schemas["ComplaintCustomerDetailOut"]["properties"]
    assert "customer_request" in customer and "outcome" not in customer
    assert "nature" in schemas["CompensationOut"]["properties"]


def test_available_transitions_enum_is_the_transitions_the_api_offers(document):
    from complaints.apis import TRANSITIONS

    assert set(document["components"]["schemas"]["TransitionEnum"]["enum"]) == set(TRANSITIONS)


def test_a_section_declares_its_shape_and_one_without_is_an_untyped_list(db):
    from complaints import extensions
    from escalation.serializers import DeadlineOut

    def nothing(complaint, user):
        return []

    with extensions.override():
        extensions.detail_section("typed", public=True, serializer=DeadlineOut)(nothing)
        assert extensions.detail_section_serializer("typed", public=True) is DeadlineOut
        assert extensions.detail_section_serializer("typed") is None
        extensions._points.section_serializers.pop(("deadlines", False))
        deadlines = _document_31()["components"]["schemas"]["ComplaintDetailOut"]["properties"][
            "deadlines"
        ]
        assert deadlines["items"] == {"type": "object"}
    assert extensions.detail_section_serializer("typed", public=True) is None
    assert extensions.detail_section_serializer("deadlines") is DeadlineOut


def test_cursor_pages_and_cursor_errors_are_documented(document):
    import re

    from api.rest import CURSOR_PATTERN

    for path in ("/complaints/", "/compensations/", "/webhooks/{subscription_id}/deliveries/"):
        op = _op(document, path, "get")
        cursor = next(p for p in op["parameters"] if p["name"] == "cursor")
        assert cursor["schema"]["pattern"] == CURSOR_PATTERN
        assert "400" in op["description"] or "400" in cursor["description"]
        page = op["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
        page = document["components"]["schemas"][page.split("/")[-1]]
        assert {"next", "previous", "results"} <= set(page["properties"])
    for cursor in ("", "p12", "o3p12", "rp12", "ro2p9"):
        assert re.fullmatch(CURSOR_PATTERN, cursor)
    assert not re.fullmatch(CURSOR_PATTERN, "cD0xMg==")


@pytest.mark.django_db
def test_next_links_carry_cursors_of_the_documented_shape(api_as, manager):
    import re
    from urllib.parse import parse_qs, urlsplit

    from api.rest import CURSOR_PATTERN
    from tests import factories

    for _ in range(3):
        factories.complaint_in("venting")
    page = api_as(manager).get("/complaints/", page_size=2).data
    cursor = parse_qs(urlsplit(page["next"]).query)["cursor"][0]
    assert re.fullmatch(CURSOR_PATTERN, cursor)
    rest = api_as(manager).get("/complaints/", page_size=2, cursor=cursor).data
    assert len(rest["results"]) == 1 and rest["previous"]


def test_webhook_delete_is_204_then_404_and_urls_have_their_rules(document):
    op = _op(document, "/webhooks/{subscription_id}/", "delete")
    assert {"204", "404"} <= set(op["responses"])
    assert "content" not in op["responses"]["204"]
    url = document["components"]["schemas"]["SubscriptionInRequest"]["properties"]["url"]
    assert url["pattern"] and url["maxLength"] == 500
    assert "Internal addresses" in url["description"]


def test_create_operations_link_to_what_they_created(document):
    links = _op(document, "/complaints/", "post")["responses"]["201"]["links"]
    assert links["complaints_retrieve"]["parameters"] == {"complaint_id": "$response.body#/id"}
    assert "complaints_acknowledge" in links and "complaints_messages_create" in links
    comp = _op(document, "/complaints/{complaint_id}/compensations/", "post")["responses"]["201"]
    assert set(comp["links"]) == {"compensations_approve", "compensations_reject"}
    hook = _op(document, "/webhooks/", "post")["responses"]["201"]["links"]
    assert set(hook) == {"webhooks_delete", "webhooks_deliveries_list"}


def test_messages_take_json_or_multipart_with_files_and_files_download(document):
    op = document["paths"]["/api/v1/complaints/{complaint_id}/messages/"]["post"]
    content = op["requestBody"]["content"]
    assert set(content) == {"application/json", "multipart/form-data"}
    ref = content["multipart/form-data"]["schema"]["$ref"].rsplit("/", 1)[1]
    files = document["components"]["schemas"][ref]["properties"]["files"]
    assert files["type"] == "array" and files["items"]["format"] == "binary"
    out = document["components"]["schemas"]["MessageOut"]["properties"]["attachments"]
    attachment = document["components"]["schemas"][out["items"]["$ref"].rsplit("/", 1)[1]]
    assert set(attachment["required"]) == {"id", "filename", "content_type", "size", "url"}
    download = document["paths"]["/api/v1/complaints/{complaint_id}/attachments/{attachment_id}/"][
        "get"
    ]
    # Any type: a photo, a letter's PDF, each with its sniffed Content-Type.
    assert download["responses"]["200"]["content"]["*/*"]["schema"] == {
        "type": "string",
        "format": "binary",
    }
