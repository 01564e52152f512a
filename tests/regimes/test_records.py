"""Regimes as data: seeded, edited by managers only and every edit logged; each regime's
retention shown on the complaint and used by privacy's retention; the API's regime section and
`pausable` deadlines."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from complaints.models import Complaint
from core.audit import AppendOnlyError
from escalation.models import DeadlineKind
from privacy import retention
from regimes import selectors
from regimes.models import Regime, RegimeAssignment, RegimeChange, RegimeClock
from tests.factories import complaint_in, complaint_new

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_regimes_are_seeded_with_the_limits_of_the_rules():
    limits = {
        (c.regime.code, c.kind): (c.limit, c.days)
        for c in RegimeClock.objects.select_related("regime")
    }
    assert limits == {
        ("uk_fca_disp", "reg_summary_window"): (3, "business"),
        ("uk_fca_disp", "reg_final_response"): (56, "calendar"),
        ("eu_psd2", "reg_holding_reply"): (15, "business"),
        ("eu_psd2", "reg_final_response"): (35, "business"),
        ("us_cfpb", "reg_holding_reply"): (15, "calendar"),
        ("us_cfpb", "reg_final_response"): (60, "calendar"),
    }
    assert Regime.objects.get(code="uk_fca_disp").retention_years == 3
    assert not Regime.objects.get(code="none").clocks.exists()
    assert dict(RegimeAssignment.objects.values_list("category", "regime__code")) == {
        "card_payments": "eu_psd2",
        "current_account": "uk_fca_disp",
    }
    m = selectors.regime_map()
    assert m.for_category("missing_item").code == "none"
    assert {k.value for k in DeadlineKind if k.startswith("reg_")} == {
        "reg_final_response",
        "reg_holding_reply",
        "reg_summary_window",
    }


def test_frontline_reads_the_regimes_but_cannot_change_them(frontline):
    client = client_for(frontline)
    fca = Regime.objects.get(code="uk_fca_disp")
    assert client.get("/admin/regimes/regime/").status_code == 200
    response = client.post(f"/admin/regimes/regime/{fca.pk}/change/", {"name": "x"})
    assert response.status_code == 403
    assert Regime.objects.get(pk=fca.pk).name != "x" and not RegimeChange.objects.exists()


def test_a_managers_edit_of_a_clock_and_an_assignment_is_logged(manager):
    client = client_for(manager)
    fca = Regime.objects.get(code="uk_fca_disp")
    clocks = list(fca.clocks.order_by("pk"))
    data = {
        "name": fca.name,
        "country": "GB",
        "subdivision": "ENG",
        "time_zone": "Europe/London",
        "retention_years": 5,
        "ombudsman_name": fca.ombudsman_name,
        "ombudsman_website": fca.ombudsman_website,
        "active": "on",
        "clocks-TOTAL_FORMS": len(clocks),
        "clocks-INITIAL_FORMS": len(clocks),
        "clocks-MIN_NUM_FORMS": 0,
        "clocks-MAX_NUM_FORMS": 1000,
    }
    for i, c in enumerate(clocks):
        data.update(
            {
                f"clocks-{i}-id": c.pk,
                f"clocks-{i}-regime": fca.pk,
                f"clocks-{i}-kind": c.kind,
                f"clocks-{i}-limit": 50 if c.kind == "reg_final_response" else c.limit,
                f"clocks-{i}-days": c.days,
                f"clocks-{i}-warn_days": c.warn_days,
                f"clocks-{i}-stops_on": c.stops_on,
            }
        )
    response = client.post(f"/admin/regimes/regime/{fca.pk}/change/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    changes = {(ch.target, ch.action): ch for ch in RegimeChange.objects.all()}
    assert set(changes) == {("regime", "changed"), ("clock", "changed")}
    regime = changes[("regime", "changed")]
    assert (regime.before["retention_years"], regime.after["retention_years"]) == (3, 5)
    clock = changes[("clock", "changed")]
    assert (clock.before["limit"], clock.after["limit"]) == (56, 50)
    assert clock.actor == manager and clock.regime_code == "uk_fca_disp"

    assignment = RegimeAssignment.objects.get(category="card_payments")
    response = client.post(
        f"/admin/regimes/regimeassignment/{assignment.pk}/delete/", {"post": "yes"}
    )
    assert response.status_code == 302
    gone = RegimeChange.objects.get(target="assignment")
    assert gone.action == "deleted" and gone.before["category"] == "card_payments"
    with pytest.raises(AppendOnlyError):
        gone.delete()


def test_an_edit_changes_new_complaints_never_running_clocks():
    before = complaint_new(category="current_account")
    due = before.deadlines.get(kind="reg_final_response").due_at
    RegimeClock.objects.filter(regime__code="uk_fca_disp", kind="reg_final_response").update(
        limit=28
    )
    after = complaint_new(category="current_account")
    assert before.deadlines.get(kind="reg_final_response").due_at == due
    assert after.deadlines.get(kind="reg_final_response").due_at < due


def test_the_regimes_retention_keeps_its_complaints(settings):
    settings.REDRESS_RETENTION_YEARS = 1
    fca = complaint_in("remedied", category="current_account", customer_email="f@example.com")
    plain = complaint_in("remedied", customer_email="p@example.com")
    when = timezone.now() - timedelta(days=365 * 2)
    Complaint.objects.filter(pk__in=[fca.pk, plain.pk]).update(state_changed_at=when)
    due = retention.customers_due(now=timezone.now())
    assert plain.customer_id in due and fca.customer_id not in due  # FCA: kept 3 years
    later = timezone.now() + timedelta(days=365 * 2)
    assert fca.customer_id in retention.customers_due(now=later)


def test_the_complaint_page_shows_the_regime_and_its_retention(frontline):
    c = complaint_new(category="current_account")
    page = client_for(frontline).get(f"/admin/complaints/complaint/{c.pk}/change/")
    html = page.content.decode()
    assert page.status_code == 200 and 'data-regime="uk_fca_disp"' in html
    assert "3 years after closing" in html and "financial-ombudsman.org.uk" in html
    assert 'data-kind="reg_final_response"' in html
    plain = complaint_new(category="missing_item")
    html = client_for(frontline).get(f"/admin/complaints/complaint/{plain.pk}/change/")
    assert 'id="regime"' not in html.content.decode()


def test_the_api_detail_says_which_clocks_never_pause(frontline):
    c = complaint_new(category="card_payments")
    body = client_for(frontline).get(f"/api/v1/complaints/{c.pk}/").json()
    pausable = {d["kind"]: d["pausable"] for d in body["deadlines"]}
    assert pausable == {
        "first_response": True,
        "resolution": True,
        "reg_holding_reply": False,
        "reg_final_response": False,
    }
    assert body["regime"][0]["code"] == "eu_psd2" and body["regime"][0]["retention_years"] == 5
