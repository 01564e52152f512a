"""Compensation services: remedy within and beyond authority, approve, reject, bad input,
four eyes, and the issue's Done-when story end to end.

Two race tests (PostgreSQL only) force the interleaving with `tests.concurrency.race`:
- two managers approving one request prove the complaint row lock (`engine.complaint_lock`);
- two agents granting on two complaints of one customer prove the customer row lock
  (`_lock_customer`), which keeps the 30-day per-customer limit.
A third (PostgreSQL) runs the issue's measurement loose: 20 parallel intakes for one new email,
each remedied with a refund; one customer, so the per-customer limit holds.
Each was checked by dropping that `select_for_update()`: the test then fails (B is not kept
waiting; the approval goes to the second manager, the customer gets 200 EUR), and the other
test still passes.
"""

import importlib
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from compensation import services
from compensation.models import AuthorityRule, AuthorityRuleChange, CompensationRequest, Status
from compensation.services import remedy as remedy_module
from complaints import services as cs
from complaints.models import Complaint, Customer, Message, TransitionLog
from core import roles
from core.audit import AppendOnlyError
from core.errors import (
    ConflictError,
    InvalidDataError,
    InvalidTransitionError,
    NotPermittedError,
    RuleViolationError,
)
from tests.concurrency import after, parallel, race
from tests.factories import UserFactory, complaint_in

COCONUT = [
    {"kind": "replacement", "amount": "14.90", "note": "Coconut opener, sent by express"},
    {"kind": "gift", "amount": "3.50", "note": "One young coconut"},
]


def remedy(complaint, actor, items, **kw):
    return services.complaint_remedy_with_compensation(
        outcome="upheld",
        complaint_id=complaint.pk,
        actor=actor,
        message="We send the opener by express and add a coconut.",
        root_cause="Packer forgot the opener",
        items=items,
        **kw,
    )


def snapshot(complaint_id):
    c = Complaint.objects.get(pk=complaint_id)
    return (
        c.state,
        c.version,
        c.tier,
        TransitionLog.objects.filter(complaint_id=complaint_id).count(),
        Message.objects.filter(complaint_id=complaint_id).count(),
        CompensationRequest.objects.count(),
    )


@pytest.mark.django_db
def test_frontline_remedies_within_authority_on_the_spot(frontline):
    c = complaint_in("apologized")
    outcome = remedy(c, frontline, COCONUT)
    assert outcome.granted and outcome.complaint.state == "remedied"
    reqs = CompensationRequest.objects.filter(complaint=c).order_by("id")
    assert [(r.kind, r.amount, r.status) for r in reqs] == [
        ("replacement", Decimal("14.90"), "granted"),
        ("gift", Decimal("3.50"), "granted"),
    ]
    assert all(r.decided_by == frontline and r.rule.role == "frontline" for r in reqs)
    log = TransitionLog.objects.filter(complaint=c).latest("id")
    assert (log.transition, log.to_state, log.actor) == ("remedy", "remedied", frontline)
    assert [e["rule"]["role"] for e in log.payload["compensation"]] == ["frontline", "frontline"]
    assert log.payload["root_cause"] == "Packer forgot the opener"


@pytest.mark.django_db
def test_remedy_without_money_stays_possible(frontline):
    c = complaint_in("apologized")
    outcome = remedy(c, frontline, [])
    assert outcome.complaint.state == "remedied" and outcome.requests == []
    zero_gift = complaint_in("apologized")
    out = remedy(zero_gift, frontline, [{"kind": "gift", "amount": "0", "note": "A sticker"}])
    assert out.complaint.state == "remedied"


@pytest.mark.django_db
def test_done_when_story(frontline, lead, manager):
    """400 EUR by frontline escalates and waits; the lead may not approve it; the manager does;
    the history shows who decided under which rule."""
    c = complaint_in("apologized")
    outcome = remedy(c, frontline, [{"kind": "refund", "amount": "400.00"}])
    assert not outcome.granted
    c.refresh_from_db()
    assert (c.state, c.tier, c.escalation_level) == ("escalated", "team_lead", 1)
    (req,) = outcome.requests
    assert (req.status, req.required_tier) == ("pending", "manager")
    assert req.stopped_by["limit"] == "max_per_grant"
    assert req.stopped_by["rule"]["role"] == "frontline"
    esc = TransitionLog.objects.filter(complaint=c).latest("id")
    assert (esc.transition, esc.reason) == ("escalate", "approval required")
    assert esc.payload["compensation"][0]["status"] == "pending"

    # Waiting in the manager's queue, not the lead's (400 is beyond a lead's 250 per grant).
    from compensation.selectors import compensation_queue

    assert list(compensation_queue(user=manager)) == [req]
    assert list(compensation_queue(user=lead)) == []
    assert list(compensation_queue(user=frontline)) == [req]  # to follow, without buttons

    before = snapshot(c.pk)
    with pytest.raises(NotPermittedError):
        services.compensation_approve(request_id=req.pk, actor=lead, note="fine by me")
    assert snapshot(c.pk) == before
    with pytest.raises(NotPermittedError):
        services.compensation_approve(request_id=req.pk, actor=frontline)
    assert snapshot(c.pk) == before

    done = services.compensation_approve(request_id=req.pk, actor=manager, note="Goodwill")
    assert done.state == "remedied"
    req.refresh_from_db()
    assert (req.status, req.decided_by, req.decision_note) == ("approved", manager, "Goodwill")
    assert req.rule == AuthorityRule.objects.get(role="manager", kind="refund")
    assert req.rule_snapshot["max_per_grant"] == "2000.00"
    log = TransitionLog.objects.filter(complaint=c, transition="approve").get()
    assert (log.actor, log.from_state, log.to_state) == (manager, "escalated", "remedied")
    assert log.payload["compensation"][0]["rule"]["role"] == "manager"
    assert log.payload["compensation"][0]["requested_by"] == frontline.pk
    # The remedy message the agent wrote goes to the customer once approved.
    assert Message.objects.filter(
        complaint=c, visibility="public", body__startswith="We send the opener"
    ).exists()


@pytest.mark.django_db
def test_eight_50_eur_refunds_do_not_get_400_granted(frontline):
    c = complaint_in("apologized")
    refused = 0
    for _ in range(8):
        try:
            services.compensation_request(
                complaint_id=c.pk, actor=frontline, kind="refund", amount="50"
            )
        except NotPermittedError:
            refused += 1
    reqs = CompensationRequest.objects.filter(complaint=c)
    granted = sum(r.amount for r in reqs if r.status == Status.GRANTED)
    assert granted == Decimal("100")  # the frontline per-complaint limit
    # The third waits for a lead and escalates the complaint; from then on it is above
    # frontline, so more compensation is refused like its remedy.
    assert reqs.filter(status=Status.PENDING).count() == 1
    assert refused == 5
    assert Complaint.objects.get(pk=c.pk).state == "escalated"
    # In one remedy the same split waits as a whole.
    c2 = complaint_in("apologized")
    out = remedy(
        c2, frontline, [{"kind": "refund", "amount": "50"}] * 2 + [{"kind": "gift", "amount": "10"}]
    )
    assert out.granted
    c3 = complaint_in("apologized")
    out = remedy(c3, frontline, [{"kind": "refund", "amount": "50"}] * 3)
    assert not out.granted
    assert {r.status for r in out.requests} == {"pending"}


@pytest.mark.django_db
def test_per_customer_window_counts_other_complaints(frontline):
    first, second, third = (
        complaint_in("apologized", customer_email="same@example.com") for _ in range(3)
    )
    assert first.customer_id == second.customer_id == third.customer_id
    assert remedy(first, frontline, [{"kind": "refund", "amount": "50"}] * 2).granted
    assert remedy(second, frontline, [{"kind": "refund", "amount": "50"}]).granted
    # 150 to this customer within 30 days: the frontline limit per customer is reached.
    out = remedy(third, frontline, [{"kind": "refund", "amount": "0.01"}])
    assert not out.granted
    assert out.requests[0].stopped_by["limit"] == "max_per_customer_30d"
    assert out.requests[0].required_tier == "team_lead"


@pytest.mark.django_db
def test_four_eyes_a_lead_cannot_approve_their_own_request(lead, manager):
    c = complaint_in("escalated")  # held by team_lead
    out = remedy(c, lead, [{"kind": "refund", "amount": "300"}])
    assert not out.granted
    c.refresh_from_db()
    assert (c.state, c.tier) == ("escalated", "manager")  # lifted to the tier that decides
    (req,) = out.requests
    with pytest.raises(NotPermittedError):
        services.compensation_approve(request_id=req.pk, actor=lead)
    other_lead = UserFactory(username="lead2", groups=["team_lead"])
    with pytest.raises(NotPermittedError):
        services.compensation_approve(request_id=req.pk, actor=other_lead)
    assert services.compensation_approve(request_id=req.pk, actor=manager).state == "remedied"


@pytest.mark.django_db
def test_a_manager_cannot_approve_own_request_but_a_superuser_can(manager):
    c = complaint_in("apologized")
    out = remedy(c, manager, [{"kind": "refund", "amount": "2500"}])
    (req,) = out.requests
    assert req.required_tier == "superuser"
    with pytest.raises(NotPermittedError):
        services.compensation_approve(request_id=req.pk, actor=manager)
    boss = UserFactory(username="root", is_superuser=True)
    assert services.compensation_approve(request_id=req.pk, actor=boss).state == "remedied"
    req.refresh_from_db()
    assert req.rule is None and req.rule_snapshot == {"role": "superuser"}


@pytest.mark.django_db
def test_reject_returns_the_complaint_with_the_note(frontline, manager):
    c = complaint_in("apologized")
    out = remedy(c, frontline, [{"kind": "refund", "amount": "400"}])
    (req,) = out.requests
    with pytest.raises(InvalidDataError):
        services.compensation_reject(request_id=req.pk, actor=manager, note="  ")
    back = services.compensation_reject(
        request_id=req.pk, actor=manager, note="Offer a 40 EUR voucher instead"
    )
    assert back.state == "apologized"
    req.refresh_from_db()
    assert (req.status, req.decided_by) == ("rejected", manager)
    log = TransitionLog.objects.filter(complaint=c).latest("id")
    assert (log.transition, log.reason) == ("return", "Offer a 40 EUR voucher instead")
    assert log.payload["compensation"][0]["status"] == "rejected"
    # The agent can now remedy within authority.
    assert remedy(c, frontline, [{"kind": "voucher", "amount": "20"}]).granted


@pytest.mark.django_db
def test_decided_twice_is_a_conflict(frontline, manager):
    c = complaint_in("apologized")
    (req,) = remedy(c, frontline, [{"kind": "refund", "amount": "400"}]).requests
    services.compensation_approve(request_id=req.pk, actor=manager)
    other = UserFactory(username="mgr2", groups=["manager"])
    before = snapshot(c.pk)
    with pytest.raises(ConflictError):
        services.compensation_approve(request_id=req.pk, actor=other)
    with pytest.raises(ConflictError):
        services.compensation_reject(request_id=req.pk, actor=other, note="no")
    assert snapshot(c.pk) == before


@pytest.mark.django_db
def test_remedy_waits_while_compensation_is_pending(frontline, lead, manager):
    c = complaint_in("apologized")
    remedy(c, frontline, [{"kind": "refund", "amount": "400"}])
    before = snapshot(c.pk)
    with pytest.raises(RuleViolationError):
        remedy(c, manager, [])
    assert snapshot(c.pk) == before


BAD_ITEMS = [
    ({"kind": "refund", "amount": "-5"}, "items.1.amount"),
    ({"kind": "refund", "amount": "0"}, "items.1.amount"),
    ({"kind": "voucher", "amount": "0"}, "items.1.amount"),
    ({"kind": "refund", "amount": "10.005"}, "items.1.amount"),
    ({"kind": "refund", "amount": "1e12"}, "items.1.amount"),
    ({"kind": "refund", "amount": 12.5}, "items.1.amount"),
    ({"kind": "refund", "amount": "NaN"}, "items.1.amount"),
    ({"kind": "refund", "amount": None}, "items.1.amount"),
    ({"kind": "cash_in_envelope", "amount": "5"}, "items.1.kind"),
    ({"kind": "refund", "amount": "5", "currency": "XYZ"}, "items.1.currency"),
    ({"kind": "refund", "amount": "5", "quantity": 0}, "items.1.quantity"),
    ({"kind": "refund", "amount": "5", "quantity": "2"}, "items.1.quantity"),
]


@pytest.mark.django_db
@pytest.mark.parametrize("item,field", BAD_ITEMS)
def test_bad_input_is_refused_and_writes_nothing(item, field, frontline):
    c = complaint_in("apologized")
    before = snapshot(c.pk)
    with pytest.raises(InvalidDataError) as err:
        remedy(c, frontline, [COCONUT[0], item])
    assert field.replace("items.1", "items.2") in err.value.fields
    assert snapshot(c.pk) == before
    with pytest.raises(InvalidDataError):
        services.compensation_request(complaint_id=c.pk, actor=frontline, **item)
    assert snapshot(c.pk) == before


@pytest.mark.django_db
def test_a_currency_other_than_the_rules_is_refused(frontline):
    c = complaint_in("apologized")
    before = snapshot(c.pk)
    with pytest.raises(RuleViolationError) as err:
        remedy(c, frontline, [COCONUT[0], {"kind": "refund", "amount": "500", "currency": "JPY"}])
    assert "items.2.currency" in err.value.fields
    assert snapshot(c.pk) == before


@pytest.mark.django_db
def test_wrong_state_or_role_is_refused(frontline, outsider):
    venting = complaint_in("venting")
    before = snapshot(venting.pk)
    with pytest.raises(InvalidTransitionError):
        remedy(venting, frontline, COCONUT)
    with pytest.raises(NotPermittedError):
        remedy(venting, outsider, COCONUT)
    assert snapshot(venting.pk) == before
    escalated = complaint_in("escalated")
    with pytest.raises(NotPermittedError):
        remedy(escalated, frontline, COCONUT)  # held by the team lead tier
    done = complaint_in("remedied")
    with pytest.raises(InvalidTransitionError):
        services.compensation_request(
            complaint_id=done.pk, actor=frontline, kind="gift", amount="1"
        )


@pytest.mark.django_db
def test_standalone_grant_is_logged_without_a_state_change(frontline):
    c = complaint_in("acknowledged")
    req = services.compensation_request(
        complaint_id=c.pk, actor=frontline, kind="voucher", amount="10", note="sorry"
    )
    assert req.status == "granted" and req.rule.role == "frontline"
    log = TransitionLog.objects.filter(complaint=c).latest("id")
    assert (log.transition, log.from_state, log.to_state) == (
        "compensation_granted",
        "acknowledged",
        "acknowledged",
    )
    # an edit of the complaint all the same: a stale If-Match is refused, "updated since" sees it
    after = Complaint.objects.get(pk=c.pk)
    assert after.version == c.version + 1 and after.updated_at > c.updated_at


@pytest.mark.django_db
def test_pending_is_withdrawn_when_the_complaint_leaves_escalated_otherwise(
    frontline, manager, django_capture_on_commit_callbacks
):
    c = complaint_in("apologized")
    (req,) = remedy(c, frontline, [{"kind": "refund", "amount": "400"}]).requests
    with django_capture_on_commit_callbacks(execute=True):
        cs.complaint_set_limits(
            outcome="not_upheld",
            outcome_reason="Limits set.",
            complaint_id=c.pk,
            actor=manager,
            reason="Threats",
            message="We end this here.",
        )
    req.refresh_from_db()
    assert req.status == "rejected" and req.decision_note.startswith("Withdrawn")
    from webhooks.models import OutboxEvent

    (event,) = OutboxEvent.objects.filter(type="compensation.rejected")
    assert event.payload["request"]["id"] == req.pk
    assert event.payload["request"]["status"] == "rejected"


@pytest.mark.django_db
def test_a_withdrawal_and_its_event_commit_together_or_not_at_all(frontline, manager, monkeypatch):
    from webhooks.models import OutboxEvent

    c = complaint_in("apologized")
    (req,) = remedy(c, frontline, [{"kind": "refund", "amount": "400"}]).requests

    def fail(**kwargs):
        raise RuntimeError("the step log failed")

    monkeypatch.setattr(
        "compensation.services.decisions.complaint_services.complaint_step_log", fail
    )
    with pytest.raises(RuntimeError):
        cs.complaint_set_limits(
            outcome="not_upheld",
            outcome_reason="Limits set.",
            complaint_id=c.pk,
            actor=manager,
            reason="Threats",
            message="We end this here.",
        )
    req.refresh_from_db()
    assert req.status == "pending"
    assert not OutboxEvent.objects.filter(type="compensation.rejected").exists()


@pytest.mark.django_db
def test_complaint_page_approve_and_return_decide_all_pending(frontline, manager):
    c = complaint_in("apologized")
    out = remedy(
        c, frontline, [{"kind": "refund", "amount": "60"}, {"kind": "gift", "amount": "5"}]
    )
    assert {r.status for r in out.requests} == {"pending"}
    services.complaint_compensation_approve(complaint_id=c.pk, actor=manager, note="ok")
    assert set(
        CompensationRequest.objects.filter(complaint=c).values_list("status", flat=True)
    ) == {"approved"}


@pytest.mark.django_db
def test_rule_edits_are_for_managers_and_logged(frontline, lead, manager):
    rule = AuthorityRule.objects.get(role="frontline", kind="refund")
    data = {
        "role": "frontline",
        "kind": "refund",
        "max_per_grant": Decimal("60"),
        "max_per_complaint": Decimal("120"),
        "max_per_customer_30d": Decimal("150"),
        "currency": "EUR",
    }
    for who in (frontline, lead):
        with pytest.raises(NotPermittedError):
            services.authority_rule_save(actor=who, data=data, rule_id=rule.pk)
    with pytest.raises(InvalidDataError):
        services.authority_rule_save(
            actor=manager, data={**data, "max_per_grant": "-1"}, rule_id=rule.pk
        )
    services.authority_rule_save(actor=manager, data=data, rule_id=rule.pk)
    rule.refresh_from_db()
    assert rule.max_per_grant == Decimal("60")
    change = AuthorityRuleChange.objects.get()
    assert change.actor == manager and change.before["max_per_grant"] == "50.00"
    assert change.after["max_per_grant"] == "60.00"
    with pytest.raises(AppendOnlyError):
        change.delete()


@pytest.fixture
def reseeded(transactional_db):
    """A transactional test before this one flushed the tables, data-migration rows included:
    put the role groups and the default authority rules back."""
    from django.apps import apps

    importlib.import_module("complaints.migrations.0002_roles").create_groups(apps, None)
    importlib.import_module("compensation.migrations.0002_default_rules").seed(apps, None)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_managers_approving_at_once_one_wins(reseeded, frontline, manager):
    """Proves the complaint row lock (`engine.complaint_lock`, taken by `_decision_lock`)."""
    c = complaint_in("apologized")
    (req,) = remedy(c, frontline, [{"kind": "refund", "amount": "400"}]).requests
    other = UserFactory(username="mgr2", groups=["manager"])
    r = race(
        lambda: services.compensation_approve(request_id=req.pk, actor=manager, note="mgr"),
        lambda: services.compensation_approve(request_id=req.pk, actor=other, note="mgr2"),
    )
    assert r.second_waited
    assert isinstance(r.first, Complaint) and r.first.state == "remedied"
    # The loser waited on the lock and then saw the decision, not a half-made state.
    assert type(r.second) is ConflictError
    assert "already decided by mgr (Approved)" in r.second.message
    assert TransitionLog.objects.filter(complaint=c, transition="approve").count() == 1
    req.refresh_from_db()
    assert (req.status, req.decided_by, req.decision_note) == ("approved", manager, "mgr")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_agents_on_two_complaints_of_one_customer_do_not_both_pass_the_window(
    reseeded, frontline, frontline2
):
    """Frontline may give one customer 150 EUR in refunds per 30 days; two agents granting
    100 each at the same moment on two complaints: one is granted, the other waits.

    Proves the customer row lock (`_lock_customer`): A is held after it has read the
    customer's total under that lock (the read the lock protects), so without the lock both
    read 0 and both grant. The gate wraps `_committed` where the remedy service looks it up."""
    a, b = (complaint_in("apologized", customer_email="same@example.com") for _ in range(2))
    assert a.customer_id == b.customer_id
    r = race(
        lambda: remedy(a, frontline, [{"kind": "refund", "amount": "50"}] * 2),
        lambda: remedy(b, frontline2, [{"kind": "refund", "amount": "50"}] * 2),
        gate=after(remedy_module, "_committed"),
    )
    assert r.second_waited
    assert (r.first.granted, r.second.granted) == (True, False)
    assert {q.stopped_by.get("limit") for q in r.second.requests} >= {"max_per_customer_30d"}
    given = CompensationRequest.objects.filter(customer_id=a.customer_id, status="granted")
    assert sum(r.amount for r in given) == Decimal("100")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_twenty_parallel_intakes_for_one_new_email_stay_within_the_per_customer_limit(
    reseeded, frontline
):
    """The issue's measurement: 20 intakes at once for one new email, each complaint walked to a
    remedy by frontline with a 30 EUR refund (within the 50 EUR per grant of the default rule).
    Frontline may give one customer 150 EUR per 30 days: 5 are granted on the spot, the other
    15 wait for approval (before one customer per person, 600 EUR were granted)."""

    def one():
        c, _ = cs.complaint_intake(
            customer_name="Cora Nutley",
            customer_email="limit@example.com",
            subject="Coconut opener missing",
            description="Your shop has really taken me for a ride!",
        )
        cs.complaint_acknowledge(
            complaint_id=c.pk,
            actor=frontline,
            summary="Opener missing",
            message="I understand.",
            promised_by=timezone.now() + timedelta(days=2),
        )
        cs.complaint_apologize(
            complaint_id=c.pk, actor=frontline, message="Sorry.", fault="company"
        )
        return remedy(c, frontline, [{"kind": "refund", "amount": "30"}])

    outcomes = parallel([one] * 20)
    assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
    assert Customer.objects.filter(email__iexact="limit@example.com").count() == 1
    requests = CompensationRequest.objects.filter(customer__email="limit@example.com")
    granted = sum(r.amount for r in requests if r.status == Status.GRANTED)
    assert granted == Decimal("150")
    assert requests.filter(status=Status.PENDING).count() == 15
    assert sum(o.granted for o in outcomes) == 5


@pytest.mark.django_db
def test_approval_records_root_cause_and_publishes_webhook_events(frontline, manager):
    from webhooks.models import OutboxEvent

    c = complaint_in("apologized")
    outcome = services.complaint_remedy_with_compensation(
        outcome="upheld",
        complaint_id=c.pk,
        actor=frontline,
        message="Refund on its way",
        root_cause="Courier lost parcel",
        items=[{"kind": "refund", "amount": "400.00"}],
    )
    (req,) = outcome.requests
    services.compensation_approve(request_id=req.pk, actor=manager, note="ok")
    c.refresh_from_db()
    assert (c.state, c.root_cause) == ("remedied", "Courier lost parcel")
    types = list(OutboxEvent.objects.order_by("occurred_at").values_list("type", flat=True))
    assert types.count("compensation.requested") == 1
    assert types.count("compensation.approved") == 1
    approved = OutboxEvent.objects.get(type="compensation.approved")
    assert approved.payload["request"]["id"] == req.pk
    assert approved.payload["request"]["amount"] == "400.00"


@pytest.mark.django_db
def test_a_request_beyond_authority_emails_its_deciders_after_commit(frontline):
    from django.core import mail

    from tests.factories import UserFactory
    from webhooks.models import OutboxMail
    from webhooks.services import mail_send_due

    UserFactory(username="lead-a", groups=["team_lead"], email="lead-a@example.com")
    UserFactory(username="mgr-a", groups=["manager"], email="mgr-a@example.com")
    c = complaint_in("apologized")
    outcome = remedy(c, frontline, [{"kind": "refund", "amount": "200", "note": "Whole order"}])
    assert not outcome.granted
    waiting = OutboxMail.objects.get()  # written with the escalation, not yet sent
    assert waiting.to == ["lead-a@example.com"] and waiting.sent_at is None
    assert mail.outbox == []
    assert mail_send_due() == 1
    (sent,) = mail.outbox
    assert c.reference in sent.subject and "200.00 EUR" in sent.subject
    assert "Whole order" in sent.body and "/admin/compensation/pendingapproval/" in sent.body


@pytest.mark.django_db
def test_each_decider_reads_the_approval_mail_in_their_language(frontline):
    from complaints.models import StaffProfile
    from tests.factories import UserFactory
    from webhooks.models import OutboxMail

    UserFactory(username="lead-en", groups=["team_lead"], email="lead-en@example.com")
    thai = UserFactory(username="lead-th", groups=["team_lead"], email="lead-th@example.com")
    StaffProfile.objects.create(user=thai, language="th")
    c = complaint_in("apologized")
    remedy(c, frontline, [{"kind": "refund", "amount": "200"}])
    by_to = {tuple(m.to): m for m in OutboxMail.objects.all()}
    assert set(by_to) == {("lead-en@example.com",), ("lead-th@example.com",)}
    english, th = by_to[("lead-en@example.com",)], by_to[("lead-th@example.com",)]
    assert "waits for your approval" in english.subject and "team lead" in english.body
    assert c.reference in th.subject and "ค่าชดเชยรอการอนุมัติจากคุณ" in th.subject
    assert "หัวหน้าทีม" in th.body and "asks for compensation" not in th.body


@pytest.mark.django_db
def test_compensation_on_a_complaint_escalated_above_you_is_refused_like_its_remedy(
    frontline, lead
):
    c = complaint_in("escalated")  # held by team leads now
    with pytest.raises(NotPermittedError) as as_request:
        services.compensation_request(
            complaint_id=c.pk, actor=frontline, kind="refund", amount="10"
        )
    with pytest.raises(NotPermittedError) as as_remedy:
        services.complaint_remedy_with_compensation(
            outcome="upheld",
            complaint_id=c.pk,
            actor=frontline,
            message="Here",
            root_cause="Packing",
        )
    assert as_request.value.message == as_remedy.value.message
    assert as_request.value.message == roles.remedy_refusal(c, frontline)
    assert not CompensationRequest.objects.filter(complaint=c).exists()
    granted = services.compensation_request(
        complaint_id=c.pk, actor=lead, kind="refund", amount="10"
    )
    assert granted.status == Status.GRANTED


@pytest.mark.django_db
@pytest.mark.parametrize(
    "item,field",
    [
        ({"kind": "refund", "amount": "١٢٣"}, "items.1.amount"),
        ({"kind": "refund", "amount": "1e2"}, "items.1.amount"),
        ({"kind": "refund", "amount": "12", "currency": "eur"}, "items.1.currency"),
        ({"kind": "gift", "amount": "0", "note": "\u202egift"}, "items.1.note"),
    ],
)
def test_services_parse_items_as_strictly_as_the_api(frontline, item, field):
    c = complaint_in("apologized")
    with pytest.raises(InvalidDataError) as refused:
        remedy(c, frontline, [item])
    assert list(refused.value.fields) == [field]
    assert not CompensationRequest.objects.exists()
    assert Complaint.objects.get(pk=c.pk).state == "apologized"
