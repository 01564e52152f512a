"""`GET /api/v1/reports/complaints-return/`: the hand-worked half year as JSON and as CSV
(by `Accept` or `?format=csv`, headers in the caller's language), managers only, bad
parameters 400/422 in the one error shape (JSON even when CSV was asked for)."""

import csv
import io

import pytest

from tests.api.conftest import Api, token_for
from tests.reports.half_year import Walker, walk_the_half_year

URL = "/reports/complaints-return/"
H2 = {"regime": "uk_fca_disp", "from": "2026-07-01", "to": "2026-12-31"}


@pytest.fixture
def half_year(db):
    return walk_the_half_year(Walker())


@pytest.fixture
def as_manager(manager):
    return Api(token_for(manager))


def csv_rows(response) -> list[list[str]]:
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    text = b"".join(response.streaming_content).decode("utf-8")
    return list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))


def test_the_json_return(half_year, as_manager):
    response = as_manager.get(URL, **H2)
    assert response.status_code == 200, response.data
    body = response.data
    assert body["regime"] == {"code": "uk_fca_disp", "name": "UK FCA complaint handling (DISP)"}
    assert (body["from"], body["to"]) == ("2026-07-01", "2026-12-31")
    declined = next(r for r in body["rows"] if r["root_cause"] == "Card declined")
    assert declined == {
        "category": "current_account",
        "category_label": "Current account",
        "root_cause": "Card declined",
        "opened": 3,
        "closed": 3,
        "outstanding": 0,
        "closed_within_3_business_days": 2,
        "closed_within_8_weeks": 1,
        "closed_after_8_weeks": 0,
        "upheld": 3,
        "upheld_share": 1.0,
        "redress": [{"currency": "EUR", "amount": "440.00"}],
        "goodwill": [{"currency": "EUR", "amount": "10.00"}],
    }
    assert [r["root_cause"] for r in body["rows"]] == ["", "Card declined", "Fees"]
    assert body["total"]["upheld_share"] == 0.75
    assert (body["total"]["opened"], body["total"]["outstanding"]) == (5, 2)


@pytest.mark.parametrize("how", ["accept", "format"])
def test_the_csv_return_in_the_callers_language(half_year, manager, how):
    api = Api(token_for(manager), **{"Accept-Language": "bg"})
    if how == "accept":
        response = api.get(URL, headers={"Accept": "text/csv"}, **H2)
    else:
        response = api.get(URL, format="csv", **H2)
    assert (
        "complaints-return-uk_fca_disp-2026-07-01-2026-12-31.csv"
        in (response["Content-Disposition"])
    )
    header, *rows = csv_rows(response)
    assert header[0] == "Категория"
    assert len(header) == 12
    assert rows[1][1:] == ["Card declined", "3", "3", "0", "2", "1", "0", "3", "100.0%"] + [
        "440.00 EUR",
        "10.00 EUR",
    ]
    assert rows[0][1] == "Не е записан"  # no root cause recorded
    assert rows[-1][2:10] == ["5", "4", "2", "2", "1", "1", "3", "75.0%"]


def test_only_managers_read_the_return(db, frontline, lead, integration):
    for user in (frontline, lead, integration):
        response = Api(token_for(user)).get(URL, **H2)
        assert response.status_code == 403, user
        assert response.data["code"] == "not_permitted"
    assert Api().get(URL, **H2).status_code == 401


@pytest.mark.parametrize(
    ("query", "status", "field"),
    [
        ({"from": "2026-13-01"}, 400, "from"),
        ({"to": ""}, 400, "to"),
        ({"regime": "x" * 40}, 400, "regime"),
        ({"format": "xml"}, 400, "format"),
        ({"regime": "nope"}, 422, "regime"),
        ({"from": "2026-12-31", "to": "2026-07-01"}, 422, "to"),
    ],
)
def test_bad_parameters_answer_in_the_error_shape(as_manager, query, status, field):
    response = as_manager.get(URL, headers={"Accept": "text/csv"}, **{**H2, **query})
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/json"
    assert set(response.data) == {"code", "message", "fields"}
    assert field in response.data["fields"]


def test_a_missing_parameter_is_a_400(as_manager):
    response = as_manager.get(URL, regime="uk_fca_disp")
    assert response.status_code == 400
    assert {"from", "to"} <= set(response.data["fields"])


def test_options_asking_for_csv_answers_json(as_manager):
    response = as_manager.client.options(
        "/api/v1" + URL, headers={**as_manager.headers, "Accept": "text/csv"}
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
