"""Each dashboard figure as a CSV download: complaints' own and those escalation and
compensation register; the same numbers as the dashboard, headers in the user's language."""

import csv
import io

import pytest
from django.urls import reverse

from complaints import extensions
from tests.factories import complaint_new

DASHBOARD = reverse("admin:complaints_complaint_dashboard")


def figure(client, name, **headers) -> list[list[str]]:
    response = client.get(
        reverse("admin:complaints_complaint_dashboard_csv", args=[name]), **headers
    )
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    text = b"".join(response.streaming_content).decode("utf-8")
    return list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))


@pytest.fixture
def agent(client, frontline):
    client.force_login(frontline)
    return client


def test_the_dashboard_links_every_figure(agent, db):
    page = agent.get(DASHBOARD).content.decode()
    for name in (
        "open-by-state",
        "median-times",
        "top-categories",
        "top-root-causes",
        "repeat-complainants",
        "deadlines-this-week",
        "compensation-granted",
    ):
        assert reverse("admin:complaints_complaint_dashboard_csv", args=[name]) in page
        assert figure(agent, name)[0]  # a header at least


def test_figures_hold_the_dashboards_numbers(agent, walk, db):
    walk("venting")
    walk("venting")
    walk("acknowledged")
    for _ in range(2):
        complaint_new(customer_name="Rita Repeat", customer_email="rita@example.com")
    assert figure(agent, "open-by-state") == [
        ["State", "Open complaints"],
        ["Venting", "4"],
        ["Acknowledged", "1"],
        ["Apologized", "0"],
        ["Escalated", "0"],
    ]
    assert ["Rita Repeat", "rita@example.com", "2"] in figure(agent, "repeat-complainants")
    weeks = figure(agent, "deadlines-this-week")
    assert weeks[0] == ["Deadline kind", "Warnings this week", "Breaches this week"]
    assert len(weeks) > 1


def test_in_the_users_language(agent, db):
    rows = figure(agent, "open-by-state", HTTP_ACCEPT_LANGUAGE="th")
    assert rows[0][0] != "State"


def test_unknown_figure_is_a_404_and_outsiders_are_refused(agent, client, outsider, db):
    assert (
        agent.get(reverse("admin:complaints_complaint_dashboard_csv", args=["nope"])).status_code
        == 404
    )
    client.force_login(outsider)
    response = client.get(
        reverse("admin:complaints_complaint_dashboard_csv", args=["open-by-state"])
    )
    assert response.status_code in (302, 403)


def test_a_second_provider_of_a_figure_is_refused(db):
    from django.core.exceptions import ImproperlyConfigured

    with extensions.override(dashboard_figures={}):
        with pytest.raises(ImproperlyConfigured):
            extensions.dashboard_figure("deadlines-this-week", title="x")(lambda request: ([], []))
