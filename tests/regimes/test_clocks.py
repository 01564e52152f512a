"""A regulated complaint's legal clocks: started at intake, never paused, stopped only by their
regime's events, warned and breached by the sweep, invisible to the service-clock invariants."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from complaints import services
from complaints.models import Complaint
from escalation.invariants import invariant_violation_list
from escalation.models import Deadline
from escalation.services import deadline_sweep
from portal import services as portal_services
from regimes import clocks
from regimes.models import ComplaintRegime, Regime, RegimeClock
from regimes.selectors import regime_clock_open
from regimes.services import regime_clock_stop
from tests.factories import UserFactory, complaint_in, complaint_new

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")


def legal(complaint_id):
    return {
        d.kind: d
        for d in Deadline.objects.filter(complaint_id=complaint_id, kind__startswith="reg_")
    }


def test_business_days_skip_weekends_and_the_countrys_holidays():
    regime = Regime(code="x", country="GB", subdivision="ENG", time_zone="Europe/London")
    clock = RegimeClock(kind="reg_summary_window", limit=3, days="business", warn_days=1)
    # Thursday 24 December 2026: Friday is Christmas, Monday 28th the Boxing Day substitute.
    received = datetime(2026, 12, 24, 10, 0, tzinfo=LONDON)
    due, warn = clocks.clock_window(regime=regime, clock=clock, received_at=received)
    # business days after: Tue 29, Wed 30, Thu 31 → due at the close of Thursday 31st
    assert due == datetime(2027, 1, 1, 0, 0, tzinfo=LONDON)
    assert warn == datetime(2026, 12, 31, 0, 0, tzinfo=LONDON)  # close of Wed 30th
    assert clocks.business_days_after(regime, date(2026, 12, 24), 0) == date(2026, 12, 24)


def test_calendar_days_end_at_the_close_of_the_day_in_the_regimes_zone():
    regime = Regime(code="x", country="GB", time_zone="Europe/London")
    clock = RegimeClock(kind="reg_final_response", limit=56, days="calendar", warn_days=7)
    received = datetime(2026, 3, 2, 23, 30, tzinfo=UTC)  # still 2 March in London
    due, warn = clocks.clock_window(regime=regime, clock=clock, received_at=received)
    assert due == datetime(2026, 4, 28, 0, 0, tzinfo=LONDON)  # close of 27 April = +56 days
    assert due - warn == timedelta(days=7)


def test_intake_in_a_regulated_category_starts_its_clocks_with_the_complaint():
    c = complaint_new(category="current_account")
    record = ComplaintRegime.objects.get(complaint=c)
    assert record.regime.code == "uk_fca_disp" and record.received_at == c.created_at
    rows = legal(c.pk)
    assert set(rows) == {"reg_summary_window", "reg_final_response"}
    final = rows["reg_final_response"]
    received = c.created_at.astimezone(LONDON).date()
    assert final.due_at.astimezone(LONDON).date() == received + timedelta(days=57)
    assert final.status == "pending" and final.paused_at is None and not final.pausable
    # the service clocks run beside them, and next_due_at is still theirs alone
    service = Deadline.objects.filter(complaint=c).exclude(kind__startswith="reg_")
    assert set(service.values_list("kind", flat=True)) == {"first_response", "resolution"}
    c.refresh_from_db()
    assert c.next_due_at == min(d.due_at for d in service)


def test_an_unregulated_category_gets_no_legal_clock():
    c = complaint_new(category="missing_item")
    assert legal(c.pk) == {} and not ComplaintRegime.objects.filter(complaint=c).exists()


def test_an_inactive_regime_starts_nothing():
    Regime.objects.filter(code="eu_psd2").update(active=False)
    c = complaint_new(category="card_payments")
    assert legal(c.pk) == {}


def test_pause_and_resume_never_touch_the_legal_clocks():
    agent = UserFactory(username="agent", groups=["frontline"])
    c = complaint_new(category="card_payments")
    before = {k: (d.due_at, d.warn_at, d.status) for k, d in legal(c.pk).items()}
    assert set(before) == {"reg_holding_reply", "reg_final_response"}
    services.complaint_pause(complaint_id=c.pk, actor=agent, reason="Waiting for statement")
    paused = legal(c.pk)
    assert {k: (d.due_at, d.warn_at, d.status) for k, d in paused.items()} == before
    assert all(d.paused_at is None for d in paused.values())
    assert Deadline.objects.filter(complaint=c, kind="resolution").get().paused_at is not None
    assert invariant_violation_list() == []
    services.complaint_resume(complaint_id=c.pk, actor=agent)
    assert {k: (d.due_at, d.warn_at, d.status) for k, d in legal(c.pk).items()} == before
    assert invariant_violation_list() == []


def test_remedy_leaves_the_fca_clock_running_until_the_written_acceptance():
    c = complaint_in("remedied", category="current_account")
    rows = legal(c.pk)
    assert rows["reg_final_response"].status == "pending"  # closing alone does not stop it
    assert Deadline.objects.filter(complaint=c, kind="resolution").get().status == "met"
    assert invariant_violation_list() == []
    portal_services.remedy_respond(
        complaint_id=c.pk, actor=None, decision="accepted", words="Thank you, that is fine."
    )
    final = legal(c.pk)["reg_final_response"]
    assert final.status == "met" and final.met_at is not None
    assert legal(c.pk)["reg_summary_window"].status == "pending"  # acceptance is not a letter


def test_a_final_response_letter_stops_exactly_the_clocks_that_name_it():
    c = complaint_new(category="card_payments")
    assert regime_clock_stop(complaint_id=c.pk, event="holding_reply") == 1
    rows = legal(c.pk)
    assert rows["reg_holding_reply"].status == "met"
    assert rows["reg_final_response"].status == "pending"
    assert regime_clock_stop(complaint=c, event="final_response") == 1
    assert legal(c.pk)["reg_final_response"].status == "met"
    assert regime_clock_stop(complaint_id=c.pk, event="final_response") == 0  # idempotent
    with pytest.raises(ValueError):
        regime_clock_stop(complaint_id=c.pk, event="nonsense")


def test_the_summary_window_is_open_until_its_letter_or_its_lapse():
    c = complaint_in("remedied", category="current_account")
    assert regime_clock_open(complaint_id=c.pk, kind="reg_summary_window")
    assert regime_clock_stop(complaint_id=c.pk, event="summary_resolution") == 2
    assert not regime_clock_open(complaint_id=c.pk, kind="reg_summary_window")
    assert not regime_clock_open(complaint_id=c.pk, kind="reg_final_response")


def test_closing_stops_a_cfpb_clock_that_names_it():
    from regimes.models import RegimeAssignment

    RegimeAssignment.objects.create(category="billing", regime=Regime.objects.get(code="us_cfpb"))
    c = complaint_in("remedied", category="billing")
    rows = legal(c.pk)
    assert rows["reg_final_response"].status == "met"  # CFPB: closed within 60 days
    assert rows["reg_holding_reply"].status == "pending"  # the 15-day response still owed


def test_the_sweep_warns_before_a_legal_limit_even_while_paused():
    agent = UserFactory(username="agent", groups=["frontline"], email="agent@example.com")
    c = complaint_new(category="card_payments")
    services.complaint_pause(complaint_id=c.pk, actor=agent, reason="Waiting")
    holding = legal(c.pk)["reg_holding_reply"]
    deadline_sweep(now=holding.warn_at + timedelta(seconds=1))
    assert legal(c.pk)["reg_holding_reply"].status == "warned"


def test_a_missing_holding_reply_escalates_like_any_breach():
    c = complaint_new(category="card_payments")
    holding = legal(c.pk)["reg_holding_reply"]
    result = deadline_sweep(now=holding.due_at + timedelta(seconds=1))
    assert legal(c.pk)["reg_holding_reply"].status == "breached"
    assert Complaint.objects.get(pk=c.pk).state == "escalated"
    assert result.breached >= 1 and result.escalated == 1
    assert legal(c.pk)["reg_final_response"].status in ("pending", "warned")


def test_a_lapsed_summary_window_just_closes_and_a_closed_complaint_stays_closed():
    c = complaint_in("remedied", category="current_account")
    window = legal(c.pk)["reg_summary_window"]
    deadline_sweep(now=window.due_at + timedelta(seconds=1))
    assert legal(c.pk)["reg_summary_window"].status == "cancelled"
    final = legal(c.pk)["reg_final_response"]
    deadline_sweep(now=final.due_at + timedelta(seconds=1))
    assert legal(c.pk)["reg_final_response"].status == "breached"  # the record of the breach
    assert Complaint.objects.get(pk=c.pk).state == "remedied"
    assert invariant_violation_list() == []


def test_merge_ends_the_merged_complaints_legal_clocks():
    agent = UserFactory(username="agent", groups=["frontline"])
    first = complaint_new(category="current_account", customer_email="same@example.com")
    second = complaint_new(category="current_account", customer_email="same@example.com")
    services.complaint_merge(complaint_id=second.pk, into_id=first.pk, actor=agent, reason="dup")
    assert not Deadline.objects.filter(
        kind__startswith="reg_", status__in=["pending", "warned"], complaint_id=second.pk
    ).exists()
    assert invariant_violation_list() == []


def test_regulatory_rows_refuse_other_kinds():
    from escalation.services import regulatory_deadlines_start

    now = timezone.now()
    with pytest.raises(ValueError):
        regulatory_deadlines_start(
            rows=[
                {
                    "complaint_id": 1,
                    "kind": "resolution",
                    "started_at": now,
                    "due_at": now,
                    "warn_at": now,
                }
            ]
        )


def test_the_sweep_takes_lapsed_legal_clocks_batch_by_batch():
    complaints = [complaint_new(category="card_payments") for _ in range(5)]
    due = max(legal(c.pk)["reg_holding_reply"].due_at for c in complaints)
    deadline_sweep(now=due + timedelta(seconds=1), batch_size=2)
    assert all(legal(c.pk)["reg_holding_reply"].status == "breached" for c in complaints)
    assert set(Complaint.objects.values_list("state", flat=True)) == {"escalated"}


def test_the_regime_map_costs_the_same_queries_whatever_the_rows(django_assert_num_queries):
    from regimes.models import RegimeAssignment
    from regimes.selectors import regime_map

    with django_assert_num_queries(3):  # regimes, their clocks, the assignments
        regime_map()
    cfpb = Regime.objects.get(code="us_cfpb")
    for category in ("billing", "delivery", "service"):
        RegimeAssignment.objects.create(category=category, regime=cfpb)
    Regime.objects.create(code="extra", name="Extra")
    with django_assert_num_queries(3):
        assert regime_map().for_category("delivery").code == "us_cfpb"
