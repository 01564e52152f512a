"""The dashboard's figures about the customer's answers, over fixtures with hand-computed
answers; each in a fixed number of queries whatever the number of rows."""

from datetime import timedelta
from unittest import mock

import pytest

from complaints import services as complaint_services
from complaints.models import Complaint, TransitionLog
from portal import selectors, services
from tests import factories

pytestmark = pytest.mark.django_db


def _confirm_after(complaint, hours: float) -> None:
    ack = TransitionLog.objects.get(complaint=complaint, transition="acknowledge").created_at
    with mock.patch("django.utils.timezone.now", return_value=ack + timedelta(hours=hours)):
        complaint_services.complaint_summary_confirm(complaint_id=complaint.pk, actor=None)


def test_share_confirmed_and_median_time_to_confirmation(walk):
    a, b, c, d = (walk("acknowledged") for _ in range(4))
    walk("venting")  # no summary yet: not counted
    _confirm_after(a, 1)
    _confirm_after(b, 4)
    _confirm_after(c, 2)
    complaint_services.complaint_summary_correct(complaint_id=d.pk, actor=None, correction="No.")
    figures = selectors.insight_summary_confirmation()
    assert (figures.acknowledged, figures.confirmed) == (4, 3)
    assert figures.share == 0.75
    assert figures.median_hours == pytest.approx(2.0)


def test_a_reconfirmation_after_a_correction_counts_from_the_first(walk):
    a = walk("acknowledged")
    _confirm_after(a, 3)
    complaint_services.complaint_summary_correct(complaint_id=a.pk, actor=None, correction="No.")
    _confirm_after(a, 10)
    assert selectors.insight_summary_confirmation().median_hours == pytest.approx(3.0)


def test_no_answers_no_figures(db):
    assert selectors.insight_summary_confirmation().share is None
    assert selectors.insight_remedy_acceptance().rate is None
    assert selectors.insight_ratings().by_category == []


def _accepted(walk, **kwargs):
    complaint = walk("remedied", **kwargs)
    services.remedy_respond(complaint_id=complaint.pk, actor=None, decision="accepted", words="")
    return complaint


def test_remedy_acceptance_rate(walk):
    _accepted(walk)
    _accepted(walk)
    declined = walk("remedied")
    services.remedy_respond(complaint_id=declined.pk, actor=None, decision="declined", words="No")
    walk("remedied")  # not answered: not counted
    figures = selectors.insight_remedy_acceptance()
    assert (figures.answered, figures.accepted) == (3, 2)
    assert figures.rate == pytest.approx(2 / 3)


def _rated(walk, *, fairness, solved, category="missing_item", assignee=None):
    complaint = _accepted(walk, category=category)
    if assignee is not None:
        Complaint.objects.filter(pk=complaint.pk).update(assignee=assignee)
    services.handling_rate(complaint_id=complaint.pk, actor=None, fairness=fairness, solved=solved)
    return complaint


def test_fairness_and_solved_by_category_tier_and_agent(walk):
    other = factories.UserFactory(username="ploy", first_name="Ploy", groups=["frontline"])
    _rated(walk, fairness=5, solved=True)
    _rated(walk, fairness=2, solved=False)
    _rated(walk, fairness=4, solved=True, category="delivery", assignee=other)
    figures = selectors.insight_ratings()
    rows = lambda name: [  # noqa: E731
        (r.key, r.ratings, r.fairness, r.solved_rate) for r in getattr(figures, name)
    ]
    assert rows("by_category") == [("delivery", 1, 4.0, 1.0), ("missing_item", 2, 3.5, 0.5)]
    assert rows("by_tier") == [("frontline", 3, pytest.approx(11 / 3), pytest.approx(2 / 3))]
    walker = Complaint.objects.exclude(assignee=other).values_list("assignee", flat=True)[0]
    assert sorted(rows("by_agent")) == sorted([(walker, 2, 3.5, 0.5), (other.pk, 1, 4.0, 1.0)])
    labels = {r.key: r.label for r in figures.by_agent}
    assert labels[other.pk] == "Ploy"
    assert figures.by_category[0].label == "Delivery"


def test_figures_take_the_same_queries_for_more_rows(walk, django_assert_num_queries):
    _rated(walk, fairness=3, solved=True)
    with django_assert_num_queries(4):
        selectors.insight_ratings()
    with django_assert_num_queries(2):
        selectors.insight_summary_confirmation()
    for n in range(3):
        other = factories.UserFactory(username=f"agent{n}", groups=["frontline"])
        _rated(walk, fairness=4, solved=False, category="delivery", assignee=other)
        _confirm_after(walk("acknowledged"), 1)
    with django_assert_num_queries(4):
        selectors.insight_ratings()
    with django_assert_num_queries(2):
        selectors.insight_summary_confirmation()
    with django_assert_num_queries(1):
        selectors.insight_remedy_acceptance()
