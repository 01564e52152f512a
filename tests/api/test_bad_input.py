"""Bad input of every kind is a 400 (413 for an oversized body) in the error shape, nothing written."""

import json

import pytest

from api.models import IdempotencyRecord
from complaints.models import Complaint, Customer, Message, TransitionLog
from tests import factories
from tests.api.conftest import INTAKE

TWO_MB = "x" * (2 * 1024 * 1024)


def counts():
    return tuple(
        m.objects.count() for m in (Complaint, Customer, Message, TransitionLog, IdempotencyRecord)
    )


def intake(**changes):
    body = json.loads(json.dumps(INTAKE))
    for dotted, value in changes.items():
        target = body
        *parents, leaf = dotted.split("__")
        for p in parents:
            target = target[p]
        if value is ...:
            del target[leaf]
        else:
            target[leaf] = value
    return json.dumps(body)


INTAKE_CASES = {
    "malformed JSON": ('{"subject": ', "malformed", None),
    "truncated JSON": (json.dumps(INTAKE)[:-1], "malformed", None),
    "JSON array": (json.dumps([INTAKE]), "invalid", "non_field_errors"),
    "JSON string": ('"hello"', "invalid", "non_field_errors"),
    "JSON null": ("null", "invalid", "non_field_errors"),
    "NaN": ('{"subject": NaN}', "malformed", None),
    "deep nesting": ("[" * 100_000 + "]" * 100_000, "malformed", None),
    "invalid UTF-8": (b'{"subject": "\xff\xfe"}', "malformed", None),
    "subject a number": (intake(subject=123), "invalid", "subject"),
    "subject an object": (intake(subject={"a": 1}), "invalid", "subject"),
    "customer a string": (intake(customer="Cora"), "invalid", "customer.non_field_errors"),
    "email a list": (intake(customer__email=["a@b.c"]), "invalid", "customer.email"),
    "email invalid": (intake(customer__email="not-an-email"), "invalid", "customer.email"),
    "missing subject": (intake(subject=...), "invalid", "subject"),
    "missing customer": (intake(customer=...), "invalid", "customer"),
    "missing customer name": (intake(customer__name=...), "invalid", "customer.name"),
    "missing description": (intake(description=...), "invalid", "description"),
    "empty description": (intake(description=""), "invalid", "description"),
    "blank description": (intake(description="   "), "invalid", "description"),
    "2 MB subject": (intake(subject=TWO_MB), "invalid", "subject"),
    "2 MB description": (intake(description=TWO_MB), "invalid", "description"),
    "2 MB customer name": (intake(customer__name=TWO_MB), "invalid", "customer.name"),
    "NUL in subject": (intake(subject="a\x00b"), "invalid", "subject"),
    "NUL in description": (intake(description="a\x00b"), "invalid", "description"),
    "NUL in email": (intake(customer__email="a\x00@b.c"), "invalid", "customer.email"),
    "lone surrogate": ('{"subject": "\\ud800"}', "invalid", "subject"),
    "unknown channel": (intake(channel="pigeon"), "invalid", "channel"),
    "unknown category": (intake(category="weather"), "invalid", "category"),
    "unknown severity": (intake(severity="apocalyptic"), "invalid", "severity"),
    "severity wrong case": (intake(severity="HIGH"), "invalid", "severity"),
    "external_id too long": (intake(external_id="e" * 129), "invalid", "external_id"),
    "external_id a number": (intake(external_id=5), "invalid", "external_id"),
}


@pytest.mark.django_db
@pytest.mark.parametrize("raw,code,field", INTAKE_CASES.values(), ids=INTAKE_CASES.keys())
def test_bad_intake_is_400_and_writes_nothing(api_as, integration, raw, code, field):
    api = api_as(integration)
    before = counts()
    response = api.post("/complaints/", raw=raw, headers={"Idempotency-Key": "retry-1"})
    assert response.status_code == 400, response.content[:300]
    assert set(response.data) == {"code", "message", "fields"}
    assert response.data["code"] == code
    if field:
        assert field in response.data["fields"], response.data
    assert counts() == before


@pytest.mark.django_db
def test_body_over_the_limit_is_413_in_shape(api_as, integration, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    response = api_as(integration).post("/complaints/", raw=intake(description="x" * 2000))
    assert response.status_code == 413
    assert response.data["code"] == "too_large"
    assert Complaint.objects.count() == 0


@pytest.mark.django_db
def test_default_limit_still_lets_a_2mb_string_reach_field_validation(api_as, integration):
    response = api_as(integration).post("/complaints/", raw=intake(description="y" * 2_700_000))
    assert response.status_code == 413  # above DATA_UPLOAD_MAX_MEMORY_SIZE (2.5 MB)
    response = api_as(integration).post("/complaints/", raw=intake(description=TWO_MB))
    assert response.status_code == 400  # below it: the field's maximum length answers


@pytest.mark.django_db
@pytest.mark.parametrize(
    "content_type,status,code",
    [
        ("text/plain", 415, "unsupported_media_type"),
        ("application/x-www-form-urlencoded", 415, "unsupported_media_type"),
    ],
)
def test_other_media_types_are_refused(api_as, integration, content_type, status, code):
    response = api_as(integration).post("/complaints/", raw="subject=x", content_type=content_type)
    assert response.status_code == status and response.data["code"] == code
    assert Complaint.objects.count() == 0


@pytest.mark.django_db
def test_unsupported_method_is_405_in_shape(api_as, integration):
    response = api_as(integration)._send("delete", "/complaints/")
    assert response.status_code == 405 and response.data["code"] == "method_not_allowed"


def _comp(**changes):
    item = {"kind": "refund", "amount": "12.50", "currency": "EUR", "quantity": 1}
    item.update(changes)
    return {
        "message": "Refund",
        "root_cause": "Packing",
        "outcome": "upheld",
        "compensations": [item],
    }


TRANSITION_CASES = {
    "acknowledge: promised_by not a date": (
        "acknowledge",
        {"summary": "s", "message": "m", "promised_by": "next Thursday"},
        "promised_by",
    ),
    "acknowledge: promised_by a number": (
        "acknowledge",
        {"summary": "s", "message": "m", "promised_by": 1700000000},
        "promised_by",
    ),
    "acknowledge: year 9999 overflow": (
        "acknowledge",
        {"summary": "s", "message": "m", "promised_by": "9999-12-31T23:59:59-12:00"},
        "promised_by",
    ),
    "acknowledge: missing summary": (
        "acknowledge",
        {"message": "m", "promised_by": "2099-01-01T00:00:00Z"},
        "summary",
    ),
    "acknowledge: 2 MB summary": (
        "acknowledge",
        {"summary": TWO_MB, "message": "m", "promised_by": "2099-01-01T00:00:00Z"},
        "summary",
    ),
    "apologize: unknown fault": ("apologize", {"message": "m", "fault": "gremlins"}, "fault"),
    "apologize: NUL message": (
        "apologize",
        {"message": "so\x00rry", "fault": "company"},
        "message",
    ),
    "remedy: amount not decimal": ("remedy", _comp(amount="twelve"), "compensations.0.amount"),
    "remedy: amount a float": ("remedy", _comp(amount=12.5), "compensations.0.amount"),
    "remedy: amount 3 places": ("remedy", _comp(amount="1.005"), "compensations.0.amount"),
    "remedy: amount negative": ("remedy", _comp(amount="-5"), "compensations.0.amount"),
    "remedy: amount exponent": ("remedy", _comp(amount="1e3"), "compensations.0.amount"),
    "remedy: amount NaN": ("remedy", _comp(amount="NaN"), "compensations.0.amount"),
    "remedy: unknown kind": ("remedy", _comp(kind="cash_in_envelope"), "compensations.0.kind"),
    "remedy: bad currency": ("remedy", _comp(currency="euro"), "compensations.0.currency"),
    "remedy: zero quantity": ("remedy", _comp(quantity=0), "compensations.0.quantity"),
    "remedy: compensations not a list": (
        "remedy",
        {
            "message": "m",
            "root_cause": "r",
            "outcome": "upheld",
            "compensations": {"kind": "refund"},
        },
        "compensations",
    ),
    "escalate: reason a list": ("escalate", {"reason": ["a"]}, "reason"),
    "set_limits: abuse a string": (
        "set_limits",
        {
            "reason": "r",
            "message": "m",
            "outcome": "not_upheld",
            "outcome_reason": "Limits set.",
            "abuse": "very",
        },
        "abuse",
    ),
    "pause: until garbage": ("pause", {"reason": "r", "until": "soon"}, "until"),
    "pause: version too big": (
        "pause",
        {"reason": "r", "expected_version": 2**40},
        "expected_version",
    ),
    "messages: unknown visibility": (
        "messages",
        {"body": "b", "visibility": "secret"},
        "visibility",
    ),
    "messages: missing body": ("messages", {"visibility": "public"}, "body"),
    "messages: array body": ("messages", [{"body": "b"}], "non_field_errors"),
}


@pytest.mark.django_db
@pytest.mark.parametrize("name,body,field", TRANSITION_CASES.values(), ids=TRANSITION_CASES.keys())
def test_bad_transition_input_is_400_and_writes_nothing(api_as, manager, name, body, field):
    complaint = factories.complaint_in("apologized")
    before = counts()
    response = api_as(manager).post(f"/complaints/{complaint.pk}/{name}/", body)
    assert response.status_code == 400, response.data
    assert response.data["code"] == "invalid"
    assert field in response.data["fields"], response.data
    assert counts() == before
    assert Complaint.objects.get(pk=complaint.pk).version == complaint.version
