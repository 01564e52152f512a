"""The workflow through its services: every transition allowed and refused."""

from datetime import timedelta

import pytest
from django.utils import timezone

from complaints import services
from complaints.models import Complaint, Customer, Message, TransitionLog
from core.errors import (
    ConflictError,
    InvalidDataError,
    InvalidTransitionError,
    NotFoundError,
    NotPermittedError,
    RuleViolationError,
)
from tests.factories import complaint_in, complaint_new

STATES = ["venting", "acknowledged", "apologized", "remedied", "escalated", "limit_set"]
ALLOWED = {
    "acknowledge": {"venting": "acknowledged"},
    "apologize": {"acknowledged": "apologized"},
    "remedy": {"apologized": "remedied", "escalated": "remedied"},
    "escalate": {"venting": "escalated", "acknowledged": "escalated", "apologized": "escalated"},
    "approve": {"escalated": "remedied"},
    "return": {"escalated": "venting"},  # escalated from venting in the factory
    "set_limits": {
        "venting": "limit_set",
        "acknowledged": "limit_set",
        "apologized": "limit_set",
        "escalated": "limit_set",
    },
    "reopen": {"remedied": "venting", "limit_set": "venting"},
}


def fire(name: str, complaint_id: int, actor, **override):
    later = timezone.now() + timedelta(days=1)
    calls = {
        "acknowledge": (
            services.complaint_acknowledge,
            {"summary": "Opener missing", "message": "I understand.", "promised_by": later},
        ),
        "apologize": (services.complaint_apologize, {"message": "Sorry.", "fault": "company"}),
        "remedy": (
            services.complaint_remedy,
            {"message": "Sent.", "root_cause": "Packing", "outcome": "upheld"},
        ),
        "escalate": (services.complaint_escalate, {"reason": "Too big"}),
        "approve": (services.complaint_approve, {"note": "OK", "outcome": "upheld"}),
        "return": (services.complaint_return, {"note": "Handle it yourself"}),
        "set_limits": (
            services.complaint_set_limits,
            {
                "reason": "Threats",
                "message": "We end this.",
                "outcome": "not_upheld",
                "outcome_reason": "Limits set.",
                "abuse": True,
            },
        ),
        "reopen": (services.complaint_reopen, {"message": "Still broken"}),
    }
    service, defaults = calls[name]
    return service(complaint_id=complaint_id, actor=actor, **{**defaults, **override})


def snapshot(complaint_id: int):
    c = Complaint.objects.get(pk=complaint_id)
    return (
        c.state,
        c.version,
        c.escalation_level,
        c.reopen_count,
        TransitionLog.objects.filter(complaint_id=complaint_id).count(),
        Message.objects.filter(complaint_id=complaint_id).count(),
    )


CASES = [(name, state) for name in ALLOWED for state in STATES]


@pytest.mark.django_db
@pytest.mark.parametrize("name,state", CASES)
def test_transition_matrix(name, state, manager):
    c = complaint_in(state)
    before = snapshot(c.pk)
    logs_before = before[4]
    if state in ALLOWED[name]:
        result = fire(name, c.pk, manager)
        assert result.state == ALLOWED[name][state]
        log = TransitionLog.objects.filter(complaint=c).latest("id")
        assert (log.transition, log.from_state, log.to_state) == (name, state, result.state)
        assert log.actor == manager and log.actor_label == manager.get_username()
        # An unassigned complaint becomes the acting agent's, audited as its own "assign" row.
        claimed = c.assignee_id is None and name not in ("escalate", "return")
        assert TransitionLog.objects.filter(complaint=c).count() == logs_before + 1 + claimed
        if claimed:
            assert result.assignee_id == manager.pk
        assert result.version == before[1] + 1
    else:
        with pytest.raises(InvalidTransitionError):
            fire(name, c.pk, manager)
        assert snapshot(c.pk) == before


NO_DATA = {
    "acknowledge": ("venting", {"summary": "", "message": " "}, {"summary", "message"}),
    "apologize": ("acknowledged", {"fault": "nobody"}, {"fault"}),
    "remedy": ("apologized", {"root_cause": "", "outcome": "upheld"}, {"root_cause"}),
    "escalate": ("venting", {"reason": ""}, {"reason"}),
    "return": ("escalated", {"note": ""}, {"note"}),
    "set_limits": (
        "acknowledged",
        {"reason": "", "message": "", "outcome": "not_upheld", "outcome_reason": "Limits set."},
        {"reason", "message"},
    ),
    "reopen": ("remedied", {"message": "\x00"}, {"message"}),
}


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(NO_DATA))
def test_missing_or_bad_data_is_refused_and_writes_nothing(name, manager):
    state, override, fields = NO_DATA[name]
    c = complaint_in(state)
    before = snapshot(c.pk)
    with pytest.raises(InvalidDataError) as err:
        fire(name, c.pk, manager, **override)
    assert fields <= set(err.value.fields)
    assert snapshot(c.pk) == before


@pytest.mark.django_db
def test_promise_must_lie_in_the_future(frontline):
    c = complaint_new()
    with pytest.raises(InvalidDataError) as err:
        fire("acknowledge", c.pk, frontline, promised_by=timezone.now() - timedelta(minutes=1))
    assert "promised_by" in err.value.fields
    assert Complaint.objects.get(pk=c.pk).state == "venting"


ROLE_REFUSALS = [
    # (transition, state, actor fixture)
    ("acknowledge", "venting", "outsider"),
    ("acknowledge", "venting", "integration"),
    ("apologize", "acknowledged", "outsider"),
    ("escalate", "apologized", "integration"),
    ("approve", "escalated", "frontline"),
    ("return", "escalated", "frontline"),
    ("remedy", "escalated", "frontline"),  # escalated to team_lead: frontline may not remedy
    ("set_limits", "escalated", "frontline"),
    ("set_limits", "escalated", "lead"),
    ("set_limits", "venting", "frontline"),
    ("set_limits", "venting", "lead"),
    ("reopen", "limit_set", "frontline"),
    ("reopen", "limit_set", "integration"),
]


@pytest.mark.django_db
@pytest.mark.parametrize("name,state,who", ROLE_REFUSALS)
def test_wrong_role_is_refused_and_writes_nothing(name, state, who, request):
    actor = request.getfixturevalue(who)
    c = complaint_in(state, **own(actor, who))
    before = snapshot(c.pk)
    with pytest.raises(NotPermittedError):
        fire(name, c.pk, actor)
    assert snapshot(c.pk) == before


ROLE_ALLOWED = [
    ("acknowledge", "venting", "frontline"),
    ("apologize", "acknowledged", "frontline"),
    ("remedy", "apologized", "frontline"),
    ("escalate", "venting", "frontline"),
    ("set_limits", "acknowledged", "frontline"),
    ("approve", "escalated", "lead"),
    ("return", "escalated", "lead"),
    ("remedy", "escalated", "lead"),
    ("reopen", "remedied", "integration"),
    ("reopen", "remedied", "frontline"),
    ("reopen", "limit_set", "manager"),
    ("set_limits", "escalated", "manager"),
]


@pytest.mark.django_db
@pytest.mark.parametrize("name,state,who", ROLE_ALLOWED)
def test_role_allowed(name, state, who, request):
    actor = request.getfixturevalue(who)
    c = complaint_in(state, **own(actor, who))
    result = fire(name, c.pk, actor, **({"abuse": False} if name == "set_limits" else {}))
    assert result.state == ALLOWED[name][state]


def own(actor, who: str) -> dict:
    """An integration acts only on its own complaints: let it file the one it acts on."""
    return {"actor": actor} if who == "integration" else {}


@pytest.mark.django_db
def test_an_integration_acting_on_another_ones_complaint_finds_no_such_complaint(integration):
    c = complaint_in("remedied")  # filed by no integration, its customer owned by none
    before = snapshot(c.pk)
    with pytest.raises(NotFoundError):
        fire("reopen", c.pk, integration)
    with pytest.raises(NotFoundError):
        services.message_add(complaint_id=c.pk, actor=integration, body="hi")
    assert snapshot(c.pk) == before
    Customer.objects.filter(pk=c.customer_id).update(owner=integration)
    assert fire("reopen", c.pk, integration).state == "venting"  # its customer's: its own


@pytest.mark.django_db
def test_limits_while_venting_need_a_managers_abuse_flag(manager):
    c = complaint_new()
    with pytest.raises(RuleViolationError):
        fire("set_limits", c.pk, manager, abuse=False)
    assert snapshot(c.pk)[0] == "venting"
    result = fire("set_limits", c.pk, manager, abuse=True)
    assert result.state == "limit_set" and result.abuse_flagged


@pytest.mark.django_db
def test_escalate_raises_level_and_tier_and_return_restores(frontline, lead):
    c = complaint_in("acknowledged")
    services.complaint_assign(complaint_id=c.pk, actor=frontline, assignee=frontline)
    esc = services.complaint_escalate(complaint_id=c.pk, actor=frontline, reason="Big refund")
    assert (esc.escalation_level, esc.tier, esc.assignee_id) == (1, "team_lead", None)
    back = services.complaint_return(complaint_id=c.pk, actor=lead, note="Offer a voucher")
    assert back.state == "acknowledged"
    assert (back.tier, back.assignee_id) == ("frontline", frontline.pk)
    log = TransitionLog.objects.filter(complaint=c).latest("id")
    assert log.reason == "Offer a voucher"


@pytest.mark.django_db
def test_system_actor_escalates_with_label():
    c = complaint_in("acknowledged")
    services.complaint_escalate(
        complaint_id=c.pk, actor=None, reason="Promise lapsed", actor_label="system: deadline sweep"
    )
    log = TransitionLog.objects.filter(complaint=c).latest("id")
    assert log.actor is None and log.actor_label == "system: deadline sweep"


@pytest.mark.django_db
def test_reopen_counts_and_restarts(integration):
    c = complaint_in("remedied", actor=integration)
    result = services.complaint_reopen(complaint_id=c.pk, actor=integration, message="Not fixed")
    assert (result.state, result.reopen_count) == ("venting", 1)
    assert Message.objects.filter(complaint=c).latest("id").kind == "customer"


@pytest.mark.django_db
def test_stale_version_is_a_conflict_and_writes_nothing(frontline):
    c = complaint_new()
    stale = c.version
    services.message_add(complaint_id=c.pk, actor=frontline, body="Noted", visibility="internal")
    services.complaint_assign(complaint_id=c.pk, actor=frontline, assignee=frontline)
    before = snapshot(c.pk)
    with pytest.raises(ConflictError):
        fire("acknowledge", c.pk, frontline, expected_version=stale)
    assert snapshot(c.pk) == before


@pytest.mark.django_db
def test_intake_keeps_words_verbatim_and_is_idempotent_on_external_id(integration):
    words = "  Your shop has really\n taken me for a ride!  "
    c1, created1 = services.complaint_intake(
        customer_name="Cora",
        customer_email="cora@example.com",
        subject="Opener",
        description=words,
        external_id="shop-1",
        actor=integration,
    )
    c2, created2 = services.complaint_intake(
        customer_name="Cora",
        customer_email="cora@example.com",
        subject="Opener",
        description=words,
        external_id="shop-1",
        actor=integration,
    )
    assert created1 and not created2 and c1.pk == c2.pk
    assert c1.description == words and c1.state == "venting"
    assert c1.reference == f"CMP-{c1.created_at.year}-{c1.pk:06d}"
    first = Message.objects.get(complaint=c1)
    assert (first.kind, first.body) == ("customer", words)
    assert TransitionLog.objects.get(complaint=c1).transition == "intake"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "override,field",
    [
        ({"customer_email": "not-an-email"}, "customer.email"),
        ({"subject": "x" * 201}, "subject"),
        ({"description": ""}, "description"),
        ({"description": "a\x00b"}, "description"),
        ({"channel": "pigeon"}, "channel"),
        ({"severity": "apocalyptic"}, "severity"),
        ({"category": 7}, "category"),
        ({"customer_name": ["a"]}, "customer.name"),
    ],
)
def test_intake_bad_input_writes_nothing(override, field):
    values = {
        "customer_name": "Cora",
        "customer_email": "cora@example.com",
        "subject": "Opener",
        "description": "Missing",
        **override,
    }
    with pytest.raises(InvalidDataError) as err:
        services.complaint_intake(**values)
    assert field in err.value.fields
    assert Complaint.objects.count() == 0


@pytest.mark.django_db
def test_pause_and_resume_are_audited_not_state_changes(frontline):
    c = complaint_in("acknowledged")
    paused = services.complaint_pause(
        complaint_id=c.pk, actor=frontline, reason="Waiting for photos"
    )
    assert paused.state == "acknowledged" and paused.paused_at is not None
    with pytest.raises(InvalidTransitionError):
        services.complaint_pause(complaint_id=c.pk, actor=frontline, reason="again")
    resumed = services.complaint_resume(complaint_id=c.pk, actor=frontline)
    assert resumed.paused_at is None
    steps = list(TransitionLog.objects.filter(complaint=c).values_list("transition", flat=True))
    assert steps[-2:] == ["pause", "resume"]


@pytest.mark.django_db
def test_internal_note_is_for_staff_only(integration):
    c = complaint_new()
    with pytest.raises(NotPermittedError):
        services.message_add(complaint_id=c.pk, actor=integration, body="x", visibility="internal")
    assert Message.objects.filter(complaint=c).count() == 1


@pytest.mark.django_db
def test_details_change_is_audited_and_validated(frontline, outsider):
    c = complaint_new()
    services.complaint_update_details(complaint_id=c.pk, actor=frontline, severity="high")
    log = TransitionLog.objects.filter(complaint=c).latest("id")
    assert (log.transition, log.payload) == ("details", {"severity": ["normal", "high"]})
    with pytest.raises(InvalidDataError):
        services.complaint_update_details(complaint_id=c.pk, actor=frontline, category="weird")
    with pytest.raises(NotPermittedError):
        services.complaint_update_details(complaint_id=c.pk, actor=outsider, severity="low")
    assert Complaint.objects.get(pk=c.pk).severity == "high"


def test_a_guard_for_a_step_that_takes_none_is_refused_at_registration():
    from django.core.exceptions import ImproperlyConfigured

    from complaints import reactions

    with pytest.raises(ImproperlyConfigured, match="take no guards"):
        reactions.guard("escalate", name="test.never_runs")(lambda **kw: None)
    assert "test.never_runs" not in str(reactions._guards)


@pytest.mark.django_db
def test_raising_a_level_is_for_staff_and_the_system(outsider):
    c = complaint_in("escalated")
    with pytest.raises(NotPermittedError):
        services.complaint_raise_level(complaint_id=c.pk, actor=outsider, reason="x")
    raised = services.complaint_raise_level(complaint_id=c.pk, actor=None, reason="lapsed")
    assert (raised.escalation_level, raised.tier) == (2, "manager")


@pytest.mark.django_db
@pytest.mark.parametrize("subject", ["\u202eevil", "\u200b\u2060", "a\x1bb"])
def test_services_refuse_what_the_api_and_admin_refuse(frontline, subject):
    """A third door (a command, a mail gateway) meets core.parsing in the service too."""
    before = Complaint.objects.count()
    with pytest.raises(InvalidDataError) as refused:
        complaint_new(subject=subject)
    assert list(refused.value.fields) == ["subject"]
    assert Complaint.objects.count() == before
    c = complaint_new()
    with pytest.raises(InvalidDataError):
        services.message_add(complaint_id=c.pk, actor=frontline, body=subject)
    assert not Message.objects.filter(complaint=c, body=subject).exists()


@pytest.mark.django_db
@pytest.mark.parametrize("act", ["pause", "resume"])
def test_pause_and_resume_make_the_acting_agent_the_assignee(act, frontline, frontline2):
    c = complaint_new()
    if act == "resume":
        services.complaint_pause(complaint_id=c.pk, actor=frontline2, reason="Waiting")
        services.complaint_assign(complaint_id=c.pk, actor=frontline2, assignee=None)
        services.complaint_resume(complaint_id=c.pk, actor=frontline)
    else:
        services.complaint_pause(complaint_id=c.pk, actor=frontline, reason="Waiting")
    c.refresh_from_db()
    assert c.assignee == frontline
    *_, assign, own = TransitionLog.objects.filter(complaint=c).order_by("id")
    assert (assign.transition, own.transition) == ("assign", act)
    assert assign.payload == {"from": None, "to": frontline.pk, "claimed_by": act}


@pytest.mark.django_db
def test_pausing_a_held_complaint_keeps_its_assignee(frontline, frontline2):
    c = complaint_new()
    services.complaint_assign(complaint_id=c.pk, actor=frontline2, assignee=frontline2)
    services.complaint_pause(complaint_id=c.pk, actor=frontline, reason="Waiting")
    c.refresh_from_db()
    assert c.assignee == frontline2
    assert TransitionLog.objects.filter(complaint=c, transition="assign").count() == 1
