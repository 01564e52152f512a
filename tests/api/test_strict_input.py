"""Every API input taking a datetime, an amount, a currency or free text parses strictly
(`core.parsing` through `api.fields`): a refusal is a 400 naming exactly that field, nothing is
written, and the same body with a good value goes through (so the field, not the body, is why)."""

from __future__ import annotations

import copy
from datetime import timedelta

import pytest
from django.utils import timezone

from api.models import IdempotencyRecord
from compensation.models import CompensationRequest
from complaints.models import Complaint, Customer, Message, TransitionLog
from tests.api.conftest import INTAKE
from tests.factories import complaint_in

BIDI = "Refund \u202e0001\u202c please"
INVISIBLE = "\u200b\u2060\ufeff"
CONTROL = "a\x1b[31mb"
NAIVE = "2030-05-01T09:00:00"
DATE_ONLY = "2030-05-01"
ARABIC_DIGITS = "٢٠٣٠-05-01T09:00:00Z"


def _future() -> str:
    return (timezone.now() + timedelta(days=2)).isoformat()


def _item(**changes):
    return {"kind": "refund", "amount": "10.00", "currency": "EUR", "quantity": 1, **changes}


# name -> (state of the complaint or None, path after /complaints/{id}/, a good body)
ENDPOINTS = {
    "intake": (None, None, lambda: copy.deepcopy(INTAKE)),
    "acknowledge": (
        "venting",
        "acknowledge/",
        lambda: {"summary": "Opener missing", "message": "I see.", "promised_by": _future()},
    ),
    "apologize": ("acknowledged", "apologize/", lambda: {"message": "Sorry.", "fault": "company"}),
    "remedy": (
        "apologized",
        "remedy/",
        lambda: {
            "message": "Refund.",
            "root_cause": "Packing",
            "outcome": "upheld",
            "compensations": [_item()],
        },
    ),
    "escalate": ("acknowledged", "escalate/", lambda: {"reason": "Needs a lead."}),
    "return": ("escalated", "return/", lambda: {"note": "Try a refund."}),
    "set_limits": (
        "acknowledged",
        "set_limits/",
        lambda: {
            "reason": "Threats.",
            "message": "We end this here.",
            "outcome": "not_upheld",
            "outcome_reason": "Limits set.",
        },
    ),
    "reopen": ("remedied", "reopen/", lambda: {"message": "It broke again."}),
    "pause": ("acknowledged", "pause/", lambda: {"reason": "Waiting for photos.", "until": None}),
    "message": ("acknowledged", "messages/", lambda: {"body": "Any news?"}),
    "compensation": ("apologized", "compensations/", lambda: _item()),
}

# (endpoint, dotted path into the body, bad value, the field the 400 names)
CASES = [
    ("intake", "subject", BIDI, "subject"),
    ("intake", "subject", INVISIBLE, "subject"),
    ("intake", "subject", "Two\nlines", "subject"),
    ("intake", "description", BIDI, "description"),
    ("intake", "description", INVISIBLE, "description"),
    ("intake", "description", CONTROL, "description"),
    ("intake", "customer.name", "\u2066Cora\u2069", "customer.name"),
    ("intake", "customer.name", "\u200b", "customer.name"),
    ("intake", "customer.phone", "\u202e4321", "customer.phone"),
    ("intake", "customer.external_ref", "\u202dref", "customer.external_ref"),
    ("intake", "external_id", "\u202bX-1", "external_id"),
    ("acknowledge", "summary", BIDI, "summary"),
    ("acknowledge", "message", INVISIBLE, "message"),
    ("acknowledge", "promised_by", NAIVE, "promised_by"),
    ("acknowledge", "promised_by", DATE_ONLY, "promised_by"),
    ("acknowledge", "promised_by", ARABIC_DIGITS, "promised_by"),
    ("acknowledge", "promised_by", 1893456000, "promised_by"),
    ("apologize", "message", BIDI, "message"),
    ("remedy", "message", INVISIBLE, "message"),
    ("remedy", "root_cause", BIDI, "root_cause"),
    ("remedy", "compensations.0.amount", "١٢٣", "compensations.0.amount"),
    ("remedy", "compensations.0.amount", "1e2", "compensations.0.amount"),
    ("remedy", "compensations.0.amount", "1,50", "compensations.0.amount"),
    ("remedy", "compensations.0.amount", "10.001", "compensations.0.amount"),
    ("remedy", "compensations.0.currency", "eur", "compensations.0.currency"),
    ("remedy", "compensations.0.note", BIDI, "compensations.0.note"),
    ("escalate", "reason", INVISIBLE, "reason"),
    ("return", "note", BIDI, "note"),
    ("set_limits", "reason", BIDI, "reason"),
    ("set_limits", "message", INVISIBLE, "message"),
    ("reopen", "message", BIDI, "message"),
    ("pause", "reason", INVISIBLE, "reason"),
    ("pause", "until", NAIVE, "until"),
    ("pause", "until", DATE_ONLY, "until"),
    ("message", "body", BIDI, "body"),
    ("message", "body", INVISIBLE, "body"),
    ("compensation", "amount", "١٢٣", "amount"),
    ("compensation", "amount", "1e2", "amount"),
    ("compensation", "amount", "-5", "amount"),
    ("compensation", "amount", 10.5, "amount"),
    ("compensation", "amount", "10.50", "amount", "JPY"),
    ("compensation", "amount", "1.5", "amount", "JPY"),
    ("compensation", "currency", "eur", "currency"),
    ("compensation", "currency", "ZZZ", "currency"),
    ("compensation", "note", BIDI, "note"),
]


def _rows() -> tuple[int, ...]:
    models = (Complaint, Customer, Message, TransitionLog, IdempotencyRecord, CompensationRequest)
    return tuple(m.objects.count() for m in models)


def _set(body: dict, dotted: str, value) -> dict:
    *parents, leaf = dotted.split(".")
    target = body
    for part in parents:
        target = target[int(part)] if part.isdigit() else target[part]
    target[leaf] = value
    return body


def _send(api, name: str, body: dict):
    state, path, _ = ENDPOINTS[name]
    if state is None:
        return None, api.post("/complaints/", body)
    complaint = complaint_in(state)
    return complaint, api.post(f"/complaints/{complaint.pk}/{path}", body)


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(ENDPOINTS))
def test_the_good_bodies_go_through(api_as, manager, name):
    _, response = _send(api_as(manager), name, ENDPOINTS[name][2]())
    assert response.status_code in (200, 201), response.data


@pytest.mark.django_db
@pytest.mark.parametrize("case", CASES, ids=[f"{c[0]}-{c[1]}-{i}" for i, c in enumerate(CASES)])
def test_a_bad_value_is_a_400_naming_the_field_and_nothing_is_written(api_as, manager, case):
    name, dotted, bad, field, *currency = case
    body = _set(ENDPOINTS[name][2](), dotted, bad)
    if currency:
        body["currency"] = currency[0]
    api = api_as(manager)
    state, _path, _ = ENDPOINTS[name]
    complaint = complaint_in(state) if state else None
    before = _rows()
    path = "/complaints/" if complaint is None else f"/complaints/{complaint.pk}/{_path}"
    response = api.post(path, body, headers={"Idempotency-Key": f"strict-{name}-{dotted}"})
    assert response.status_code == 400, response.data
    assert response.data["code"] == "invalid"
    assert list(response.data["fields"]) == [field], response.data
    message = response.data["fields"][field][0]
    assert message.endswith(".") and len(message.split()) >= 4  # a sentence, not a code
    assert _rows() == before
    if complaint is not None:
        after = Complaint.objects.get(pk=complaint.pk)
        assert (after.state, after.version) == (complaint.state, complaint.version)


@pytest.mark.django_db
@pytest.mark.parametrize("endpoint", ["approve", "reject"])
@pytest.mark.parametrize("note", [BIDI, INVISIBLE])
def test_decision_notes_are_clean_text(api_as, frontline, manager, endpoint, note):
    c = complaint_in("apologized")
    asked = api_as(frontline).post(f"/complaints/{c.pk}/compensations/", _item(amount="400.00"))
    assert asked.status_code == 201, asked.data
    before = _rows()
    response = api_as(manager).post(
        f"/compensations/{asked.data['id']}/{endpoint}/", {"note": note}
    )
    assert response.status_code == 400, response.data
    assert list(response.data["fields"]) == ["note"]
    assert _rows() == before
    assert CompensationRequest.objects.get(pk=asked.data["id"]).status == "pending"
    outcome = {"outcome": "upheld"} if endpoint == "approve" else {}
    good = api_as(manager).post(
        f"/compensations/{asked.data['id']}/{endpoint}/", {"note": "OK.", **outcome}
    )
    assert good.status_code == 200, good.data


@pytest.mark.django_db
@pytest.mark.parametrize(
    "query,field",
    [
        ({"updated_since": NAIVE}, "updated_since"),
        ({"updated_since": DATE_ONLY}, "updated_since"),
        ({"search": BIDI}, "search"),
        ({"search": INVISIBLE}, "search"),
    ],
)
def test_list_filters_parse_strictly(api_as, manager, query, field):
    complaint_in("venting")
    response = api_as(manager).get("/complaints/", **query)
    assert response.status_code == 400, response.data
    assert list(response.data["fields"]) == [field]


@pytest.mark.django_db
def test_an_offset_filter_still_filters(api_as, manager):
    complaint_in("venting")
    since = (timezone.now() - timedelta(hours=1)).isoformat()
    assert len(api_as(manager).get("/complaints/", updated_since=since).data["results"]) == 1
    z = (timezone.now() + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert api_as(manager).get("/complaints/", updated_since=z).data["results"] == []


@pytest.mark.django_db
def test_three_decimal_currencies_take_three_decimals(api_as, frontline):
    c = complaint_in("apologized")
    response = api_as(frontline).post(
        f"/complaints/{c.pk}/compensations/", _item(amount="1.125", currency="BHD", kind="gift")
    )
    assert response.status_code != 400, response.data
    assert response.data.get("fields", {}).get("amount") is None
