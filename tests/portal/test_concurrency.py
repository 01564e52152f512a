"""Two submits of the customer's answer at once (two tabs, a double click) on PostgreSQL: the
second waits on the complaint's lock and then finds the first's row — one answer, one log."""

import pytest

from complaints.models import TransitionLog
from core.errors import InvalidTransitionError
from portal import services
from portal.models import HandlingRating, RemedyResponse
from tests import factories
from tests.concurrency import race

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_two_acceptances_at_once_make_one(db):
    c = factories.complaint_in("remedied")

    def accept():
        return services.remedy_respond(
            complaint_id=c.pk, actor=None, decision="accepted", words="Yes"
        ).pk

    r = race(accept, accept)
    assert r.second_waited
    assert r.first == r.second
    assert RemedyResponse.objects.count() == 1
    assert TransitionLog.objects.filter(complaint=c, transition="remedy_accept").count() == 1


def test_accept_and_decline_at_once_one_wins(db):
    c = factories.complaint_in("remedied")
    r = race(
        lambda: services.remedy_respond(
            complaint_id=c.pk, actor=None, decision="accepted", words=""
        ),
        lambda: services.remedy_respond(
            complaint_id=c.pk, actor=None, decision="declined", words="No"
        ),
    )
    assert r.second_waited
    assert isinstance(r.second, InvalidTransitionError)  # answered already: 409
    assert RemedyResponse.objects.get().decision == "accepted"
    c.refresh_from_db()
    assert c.state == "remedied"


def test_two_ratings_at_once_make_one(db):
    c = factories.complaint_in("remedied")
    services.remedy_respond(complaint_id=c.pk, actor=None, decision="accepted", words="")

    def rate():
        return services.handling_rate(complaint_id=c.pk, actor=None, fairness=5, solved=True).pk

    r = race(rate, rate)
    assert r.second_waited and r.first == r.second
    assert HandlingRating.objects.count() == 1
