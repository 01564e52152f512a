"""The complaints return's admin page: managers see the hand-worked half year as a table and
download the same table as CSV; others are refused; a bad period is said, never a 500."""

import csv
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.reports.half_year import Walker, walk_the_half_year

PAGE = reverse("admin:reports_complaintsreturn_changelist")
H2 = {"regime": "uk_fca_disp", "date_from": "2026-07-01", "date_to": "2026-12-31"}


@pytest.fixture
def as_manager(client, manager):
    client.force_login(manager)
    return client


def test_the_page_shows_the_return_and_links_its_csv(db, as_manager):
    walk_the_half_year(Walker())
    html = as_manager.get(PAGE, H2).content.decode()
    assert 'id="complaints-return"' in html
    assert "<td>Card declined</td><td>3</td><td>3</td><td>0</td><td>2</td><td>1</td>" in html
    assert "<td>440.00 EUR</td><td>10.00 EUR</td>" in html
    assert "<td>All categories</td><td></td><td>5</td><td>4</td><td>2</td>" in html
    assert "format=csv" in html

    response = as_manager.get(PAGE, {**H2, "format": "csv"}, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    text = b"".join(response.streaming_content).decode("utf-8").removeprefix("\ufeff")
    header, *rows = csv.reader(io.StringIO(text))
    assert header[0] == "类别"
    assert [r[1] for r in rows] == ["未记录", "Card declined", "Fees", ""]
    assert rows[-1][2:9] == ["5", "4", "2", "2", "1", "1", "3"]


def test_without_a_query_the_form_offers_the_last_half_year(db, as_manager):
    response = as_manager.get(PAGE)
    assert response.status_code == 200
    form = response.context["form"]
    assert str(form["date_from"].value()) == "2026-01-01"  # today is in December 2026
    assert 'id="complaints-return"' not in response.content.decode()


@pytest.mark.parametrize(
    "query",
    [
        {**H2, "date_to": "2026-06-01"},
        {**H2, "date_from": "not a date"},
        {**H2, "regime": "nope"},
        {**H2, "date_from": "0001-01-01"},
    ],
)
def test_a_bad_query_is_said_on_the_page(db, as_manager, query):
    response = as_manager.get(PAGE, query)
    assert response.status_code == 200
    assert 'id="complaints-return"' not in response.content.decode()
    assert response.context["form"].errors or response.context["refusal"]


def test_only_managers_see_the_return(client, frontline, lead):
    for user in (frontline, lead):
        client.force_login(user)
        assert client.get(PAGE, H2).status_code == 403
        assert b"complaintsreturn" not in client.get(reverse("admin:index")).content


def test_the_page_costs_the_same_queries_for_more_complaints(db, as_manager):
    w = Walker()
    w.remedy(w.file("2026-07-01T09:00"), "2026-07-02T09:00", outcome="upheld", root_cause="A")

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert as_manager.get(PAGE, H2).status_code == 200
        return len(ctx.captured_queries)

    few = count()
    for i in range(6):
        cid = w.file(f"2026-08-0{i + 1}T09:00")
        w.remedy(cid, "2026-09-01T09:00", outcome="upheld", root_cause=f"Cause {i}")
    assert count() == few
