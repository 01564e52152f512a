"""Every reaction registered with the engine, made to fail: the change it belongs to leaves
nothing written. Parametrised over the registry itself, so a reaction added later is covered."""

from datetime import timedelta

import pytest
from django.db import OperationalError
from django.utils import timezone

from complaints import reactions, services
from portal import services as portal_services
from tests import factories
from tests.api.test_faults import blip, world

pytestmark = pytest.mark.django_db


def _staff(name: str, group: str):
    return factories.UserFactory(username=f"rf-{name}", groups=[group])


# step → (state to start from, the call that makes the change)
CALLS = {
    "intake": (
        None,
        lambda c, u: services.complaint_intake(
            customer_name="Cora", customer_email="cora@example.com", subject="s", description="d"
        ),
    ),
    "acknowledge": (
        "venting",
        lambda c, u: services.complaint_acknowledge(
            complaint_id=c.pk,
            actor=u["fl"],
            summary="s",
            message="m",
            promised_by=timezone.now() + timedelta(hours=3),
        ),
    ),
    "apologize": (
        "acknowledged",
        lambda c, u: services.complaint_apologize(
            complaint_id=c.pk, actor=u["fl"], message="Sorry.", fault="company"
        ),
    ),
    "remedy": (
        "apologized",
        lambda c, u: services.complaint_remedy(
            outcome="upheld", complaint_id=c.pk, actor=u["fl"], message="m", root_cause="r"
        ),
    ),
    "escalate": (
        "venting",
        lambda c, u: services.complaint_escalate(complaint_id=c.pk, actor=u["fl"], reason="r"),
    ),
    "approve": (
        "escalated",
        lambda c, u: services.complaint_approve(
            outcome="upheld", complaint_id=c.pk, actor=u["mgr"], note="ok"
        ),
    ),
    "return": (
        "escalated",
        lambda c, u: services.complaint_return(complaint_id=c.pk, actor=u["lead"], note="n"),
    ),
    "set_limits": (
        "acknowledged",
        lambda c, u: services.complaint_set_limits(
            outcome="not_upheld",
            outcome_reason="Limits set.",
            complaint_id=c.pk,
            actor=u["fl"],
            reason="r",
            message="m",
        ),
    ),
    "reopen": (
        "remedied",
        lambda c, u: services.complaint_reopen(complaint_id=c.pk, actor=u["fl"], message="m"),
    ),
    "raise_level": (
        "escalated",
        lambda c, u: services.complaint_raise_level(complaint_id=c.pk, actor=None, reason="r"),
    ),
    "pause": (
        "venting",
        lambda c, u: services.complaint_pause(complaint_id=c.pk, actor=u["fl"], reason="r"),
    ),
    "resume": (
        "paused",
        lambda c, u: services.complaint_resume(complaint_id=c.pk, actor=u["fl"]),
    ),
    "merge": (
        "pair",
        lambda c, u: services.complaint_merge(
            complaint_id=c.pk, into_id=c.survivor_id, actor=u["fl"], reason="The same order."
        ),
    ),
    "remedy_accept": (
        "remedied",
        lambda c, u: portal_services.remedy_respond(
            complaint_id=c.pk, actor=None, decision="accepted", words="Thank you."
        ),
    ),
}

CASES = [(step, name) for step in reactions.STEPS for name in reactions.registered(step)]


def test_every_step_has_a_call_and_every_reaction_a_case():
    assert set(CALLS) == set(reactions.STEPS)
    assert {step for step, _ in CASES} >= {"intake", "acknowledge", "escalate", "pause", "resume"}
    assert ("return", "compensation.withdraw_pending") in CASES


@pytest.mark.parametrize(("step", "name"), CASES, ids=[f"{s}:{n}" for s, n in CASES])
def test_a_failing_reaction_undoes_its_whole_change(step, name):
    staff = {"fl": _staff("fl", "frontline"), "lead": _staff("lead", "team_lead")}
    staff["mgr"] = _staff("mgr", "manager")
    state, call = CALLS[step]
    complaint = None
    if state == "paused":
        complaint = factories.complaint_in("venting")
        services.complaint_pause(complaint_id=complaint.pk, actor=staff["fl"], reason="photos")
    elif state == "pair":  # a duplicate of the same customer's open complaint
        survivor = factories.complaint_in("venting", customer_email="pair@example.com")
        complaint = factories.complaint_in("venting", customer_email="pair@example.com")
        complaint.survivor_id = survivor.pk
    elif state is not None:
        complaint = factories.complaint_in(state)
    before = world()
    with reactions.replaced(step, name, blip), pytest.raises(OperationalError):
        call(complaint, staff)
    assert world() == before
    call(complaint, staff)  # and without the fault, the same change goes through
    assert world() != before
