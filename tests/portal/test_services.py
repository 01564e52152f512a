"""The customer's acts: confirm/correct the summary, answer the remedy, rate — each audited,
each idempotent on a double submit, refused (409) in a step where it is not possible."""

from datetime import timedelta
from unittest import mock

import pytest
from django.utils import timezone

from complaints import services as complaint_services
from complaints.models import Complaint, Message, MessageKind, TransitionLog
from core.errors import (
    InvalidDataError,
    InvalidTransitionError,
    NotFoundError,
    NotPermittedError,
    RuleViolationError,
)
from portal import services
from portal.models import CustomerLink, HandlingRating, RemedyResponse
from tests import factories

pytestmark = pytest.mark.django_db


def _steps(complaint_id):
    return list(
        TransitionLog.objects.filter(complaint_id=complaint_id)
        .order_by("id")
        .values_list("transition", flat=True)
    )


def test_confirm_summary_is_logged_once_and_under_the_customers_name(walk):
    c = walk("acknowledged", customer_name="Mali")
    version = c.version
    complaint_services.complaint_summary_confirm(complaint_id=c.pk, actor=None)
    complaint_services.complaint_summary_confirm(complaint_id=c.pk, actor=None)  # double submit
    c.refresh_from_db()
    assert c.summary_confirmed is True
    assert c.version == version + 1
    logs = TransitionLog.objects.filter(complaint=c, transition="summary_confirm")
    assert [(log.actor_label, log.from_state, log.to_state) for log in logs] == [
        ("Mali", "acknowledged", "acknowledged")
    ]


def test_summary_cannot_be_confirmed_while_venting(walk):
    c = walk("venting")
    with pytest.raises(InvalidTransitionError):
        complaint_services.complaint_summary_confirm(complaint_id=c.pk, actor=None)
    assert not TransitionLog.objects.filter(complaint=c, transition="summary_confirm").exists()


def test_correction_is_a_customer_message_and_unconfirms(walk):
    c = walk("acknowledged")
    complaint_services.complaint_summary_confirm(complaint_id=c.pk, actor=None)
    for _ in range(2):  # the second is a double submit
        complaint_services.complaint_summary_correct(
            complaint_id=c.pk, actor=None, correction="It was two openers, not one."
        )
    c.refresh_from_db()
    assert c.summary_confirmed is False
    words = Message.objects.filter(complaint=c, kind=MessageKind.CUSTOMER, visibility="public")
    assert list(words.values_list("body", flat=True)).count("It was two openers, not one.") == 1
    assert _steps(c.pk).count("summary_correct") == 1


def test_correction_needs_words(walk):
    c = walk("acknowledged")
    with pytest.raises(InvalidDataError):
        complaint_services.complaint_summary_correct(complaint_id=c.pk, actor=None, correction=" ")


def test_an_integration_acts_only_on_its_own_complaints(walk, integration):
    c = walk("acknowledged")
    with pytest.raises(NotFoundError):
        complaint_services.complaint_summary_confirm(complaint_id=c.pk, actor=integration)


def test_accepting_is_a_written_acceptance_and_idempotent(walk):
    c = walk("remedied")
    first = services.remedy_respond(
        complaint_id=c.pk, actor=None, decision="accepted", words="Thank you, that is fair."
    )
    again = services.remedy_respond(complaint_id=c.pk, actor=None, decision="accepted", words="")
    assert again.pk == first.pk
    assert RemedyResponse.objects.get().words == "Thank you, that is fair."
    assert first.remedy_log.transition == "remedy"
    c.refresh_from_db()
    assert c.state == "remedied"
    assert _steps(c.pk).count("remedy_accept") == 1
    with pytest.raises(InvalidTransitionError):  # a different answer to the same remedy
        services.remedy_respond(complaint_id=c.pk, actor=None, decision="declined", words="No")


def test_declining_reopens_through_the_engine(walk):
    c = walk("remedied")
    services.remedy_respond(
        complaint_id=c.pk, actor=None, decision="declined", words="The opener is broken."
    )
    c.refresh_from_db()
    assert (c.state, c.reopen_count) == ("venting", 1)
    assert _steps(c.pk)[-2:] == ["remedy_decline", "reopen"]
    reopen = TransitionLog.objects.filter(complaint=c, transition="reopen").get()
    assert (reopen.from_state, reopen.to_state) == ("remedied", "venting")
    assert Message.objects.filter(
        complaint=c, kind=MessageKind.CUSTOMER, body="The opener is broken."
    ).exists()


def test_declining_again_after_a_reopen_escalates(walk):
    c = walk("remedied")
    fl = factories.UserFactory(username="fl2", groups=["frontline"])
    services.remedy_respond(complaint_id=c.pk, actor=None, decision="declined", words="No.")
    complaint_services.complaint_acknowledge(
        complaint_id=c.pk,
        actor=fl,
        summary="Broken opener",
        message="I see.",
        promised_by=timezone.now() + timedelta(days=1),
    )
    complaint_services.complaint_apologize(
        complaint_id=c.pk, actor=fl, message="Sorry.", fault="company"
    )
    complaint_services.complaint_remedy(
        complaint_id=c.pk, actor=fl, message="New opener.", root_cause="Packing", outcome="upheld"
    )
    services.remedy_respond(complaint_id=c.pk, actor=None, decision="declined", words="Still no.")
    c.refresh_from_db()
    assert c.state == "escalated"
    assert c.escalation_level == 1
    assert _steps(c.pk)[-3:] == ["remedy_decline", "reopen", "escalate"]
    assert RemedyResponse.objects.filter(complaint=c).count() == 2


def test_no_remedy_to_answer_is_a_conflict_and_writes_nothing(walk):
    c = walk("apologized")
    with pytest.raises(InvalidTransitionError):
        services.remedy_respond(complaint_id=c.pk, actor=None, decision="accepted", words="")
    assert not RemedyResponse.objects.exists()


def test_decline_needs_a_reason(walk):
    c = walk("remedied")
    with pytest.raises(RuleViolationError):
        services.remedy_respond(complaint_id=c.pk, actor=None, decision="declined", words=" ")
    assert Complaint.objects.get(pk=c.pk).state == "remedied"


def test_rating_opens_after_acceptance(walk):
    c = walk("remedied")
    with pytest.raises(InvalidTransitionError):
        services.handling_rate(complaint_id=c.pk, actor=None, fairness=4, solved=True)
    services.remedy_respond(complaint_id=c.pk, actor=None, decision="accepted", words="")
    rating = services.handling_rate(
        complaint_id=c.pk, actor=None, fairness=4, solved=True, comment="Kind people."
    )
    same = services.handling_rate(
        complaint_id=c.pk, actor=None, fairness=4, solved=True, comment="Kind people."
    )
    assert same.pk == rating.pk
    assert HandlingRating.objects.count() == 1
    assert _steps(c.pk).count("handling_rate") == 1
    with pytest.raises(InvalidTransitionError):
        services.handling_rate(complaint_id=c.pk, actor=None, fairness=1, solved=False)


def test_rating_opens_a_week_after_the_remedy(walk):
    c = walk("remedied")
    later = timezone.now() + timedelta(days=7, minutes=1)
    with mock.patch("django.utils.timezone.now", return_value=later):
        services.handling_rate(complaint_id=c.pk, actor=None, fairness=2, solved=False)
    assert HandlingRating.objects.get().fairness == 2


@pytest.mark.parametrize("fairness", [0, 6, "5", True])
def test_fairness_is_1_to_5(walk, fairness):
    c = walk("remedied")
    services.remedy_respond(complaint_id=c.pk, actor=None, decision="accepted", words="")
    with pytest.raises(InvalidDataError):
        services.handling_rate(complaint_id=c.pk, actor=None, fairness=fairness, solved=True)


def test_a_new_link_revokes_the_old_and_both_acts_are_audited(walk, frontline):
    c = walk("acknowledged")
    services.customer_links_ensure(complaint_ids=[c.pk])
    old = CustomerLink.objects.get(complaint=c)
    new = services.customer_link_renew(complaint_id=c.pk, actor=frontline)
    old.refresh_from_db()
    assert old.revoked_at is not None and old.revoked_by == frontline
    assert new.revoked_at is None and new.key != old.key
    assert services.customer_link_revoke(complaint_id=c.pk, actor=frontline) == 1
    assert services.customer_link_revoke(complaint_id=c.pk, actor=frontline) == 0
    assert _steps(c.pk)[-2:] == ["customer_link_issue", "customer_link_revoke"]
    assert not CustomerLink.objects.filter(complaint=c, revoked_at__isnull=True).exists()


def test_only_staff_revoke(walk, integration):
    c = walk("acknowledged")
    with pytest.raises(NotPermittedError):
        services.customer_link_revoke(complaint_id=c.pk, actor=integration)
