"""The queue's CSV export: every row the changelist would show for the same query (filters,
search, order), not just a page; streamed and fetched in chunks; headers in the user's
language; cells that look like formulas kept as text."""

import csv
import io

import pytest
from django.db.models.sql import compiler
from django.urls import reverse

from complaints import selectors
from tests.factories import complaint_in, complaint_new

EXPORT = reverse("admin:complaints_complaint_export")
CHANGELIST = reverse("admin:complaints_complaint_changelist")


def read(response) -> list[list[str]]:
    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="complaints-')
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


@pytest.fixture
def agent(client, frontline):
    client.force_login(frontline)
    return client


def test_the_export_follows_the_search_and_the_filters(agent, db):
    coconut = complaint_new(description="4 young coconuts came without the opener")
    complaint_new(subject="Parcel late", description="Two weeks late")
    remedied = complaint_in("remedied", subject="Espresso machine broke")
    rows = read(agent.get(EXPORT, {"q": "coconut"}))
    assert rows[0][:3] == ["Reference", "State", "Category"]
    assert [r[0] for r in rows[1:]] == [coconut.reference]
    assert rows[1][1] == "Venting"  # the label, not the stored value
    by_state = read(agent.get(EXPORT, {"state__exact": "remedied", "queue": "all"}))
    assert [r[0] for r in by_state[1:]] == [remedied.reference]


def test_the_export_has_every_row_in_the_queues_order_not_one_page(agent, db, settings):
    for _ in range(53):  # the changelist shows 50 a page
        complaint_new()
    listed = agent.get(CHANGELIST, {"queue": "all", "p": "2"})
    assert len(listed.context["cl"].result_list) == 3
    rows = read(agent.get(EXPORT, {"queue": "all", "p": "2"}))[1:]
    assert len(rows) == 53
    first_page = [
        c.reference for c in agent.get(CHANGELIST, {"queue": "all"}).context["cl"].result_list
    ]
    assert [r[0] for r in rows[:50]] == first_page


def test_rows_are_fetched_in_chunks_while_the_body_is_written(agent, db, monkeypatch):
    for _ in range(12):
        complaint_new()
    chunks: list[int] = []
    real = compiler.cursor_iter

    def spy(*args, **kwargs):
        for rows in real(*args, **kwargs):
            chunks.append(len(rows))
            yield rows

    monkeypatch.setattr(compiler, "cursor_iter", spy)
    monkeypatch.setattr(selectors, "EXPORT_CHUNK_SIZE", 5)
    response = agent.get(EXPORT, {"queue": "all"})
    chunks.clear()  # the view's own small queries (session, user, the capped count) are done
    body = iter(response.streaming_content)
    next(body)  # the header
    next(body)  # the first row
    assert chunks == [5]  # one chunk fetched so far, not the table
    rest = list(body)
    assert len(rest) == 11
    assert chunks == [5, 5, 2]


def test_headers_and_labels_in_the_users_language(agent, db):
    complaint_new(subject="Coconut opener missing")
    rows = read(agent.get(EXPORT, {"queue": "all"}, HTTP_ACCEPT_LANGUAGE="zh-hans"))
    assert rows[0][0] != "Reference"
    assert rows[1][1] != "Venting"


def test_a_formula_stays_text(agent, db):
    complaint_new(customer_name='=HYPERLINK("http://evil.test")', subject="-1+2 broken")
    row = read(agent.get(EXPORT, {"queue": "all"}))[1]
    assert row[5].startswith("'=HYPERLINK")
    assert row[4] == "'-1+2 broken"


def test_outsiders_get_no_export(client, outsider):
    client.force_login(outsider)
    assert client.get(EXPORT).status_code in (302, 403)


def test_bad_filters_are_a_400(agent, db):
    assert agent.get(EXPORT, {"no_such_field__exact": "1"}).status_code == 400
