"""Reads of the customer's side: the link behind a token, what the customer's page shows, what
the workbench shows of the customer's answers, and the dashboard's figures about them.

A wrong, revoked or expired token resolves to None (the page answers the one plain 404). The
customer's page holds only what the customer may see: the public timeline
(`complaints.selectors.complaint_public_timeline`), the promise, and their own answers.
The dashboard's figures are aggregates (a few queries each, never one per complaint); they
live here, not in compensation's selectors, because compensation sits below this app.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import (
    Avg,
    Count,
    Exists,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
)
from django.urls import reverse
from django.utils import timezone

from complaints import selectors as complaint_selectors
from complaints.models import (
    Category,
    Complaint,
    Message,
    MessageKind,
    State,
    Tier,
    TransitionLog,
    Visibility,
)
from portal import tokens
from portal.models import CustomerLink, Decision, HandlingRating, RemedyResponse

RATE_AFTER_REMEDY = timedelta(days=7)


def link_days() -> int:
    return int(getattr(settings, "REDRESS_CUSTOMER_LINK_DAYS", 30))


# --- the link --------------------------------------------------------------------------------


def customer_link_active(*, complaint_id: int) -> CustomerLink | None:
    return CustomerLink.objects.filter(complaint_id=complaint_id, revoked_at__isnull=True).first()


def customer_link_exists() -> Exists:
    """For a complaint queryset's annotation: whether the complaint has an active link."""
    return Exists(CustomerLink.objects.filter(complaint=OuterRef("pk"), revoked_at__isnull=True))


def customer_link_url(*, link: CustomerLink) -> str:
    """The absolute URL of a link, as mails and the staff detail give it."""
    path = reverse("portal:page", kwargs={"token": tokens.token_for(link.key)})
    return f"{settings.REDRESS_BASE_URL.rstrip('/')}{path}"


def customer_url(*, complaint_id: int) -> str | None:
    """The URL of the complaint's active link; None when staff revoked it and none is issued."""
    link = customer_link_active(complaint_id=complaint_id)
    return customer_link_url(link=link) if link else None


def link_expired(*, complaint: Complaint, now: datetime | None = None) -> bool:
    """A link lasts while the complaint is open and `REDRESS_CUSTOMER_LINK_DAYS` after it closed
    (a reopen makes it live again)."""
    if complaint.is_open:
        return False
    now = now or timezone.now()
    return now >= complaint.state_changed_at + timedelta(days=link_days())


def customer_link_resolve(*, token: str, now: datetime | None = None) -> CustomerLink | None:
    """The active, unexpired link a token opens (with its complaint and customer), else None."""
    key = tokens.key_from(token)
    if not key:
        return None
    link = (
        CustomerLink.objects.select_related("complaint__customer")
        .filter(key=key, revoked_at__isnull=True)
        .first()
    )
    if link is None or link_expired(complaint=link.complaint, now=now):
        return None
    return link


# --- what the customer may do now ----------------------------------------------------------


def remedy_log_latest(*, complaint_id: int) -> TransitionLog | None:
    """The step that last remedied the complaint (remedy, or the approval of an escalated one)."""
    return (
        TransitionLog.objects.filter(complaint_id=complaint_id, to_state=State.REMEDIED)
        .exclude(from_state=State.REMEDIED)
        .order_by("-created_at", "-id")
        .first()
    )


def rating_open(*, complaint: Complaint, now: datetime | None = None) -> bool:
    """Rating is open after the customer accepted a remedy, or a week after the last remedy."""
    if RemedyResponse.objects.filter(complaint=complaint, decision=Decision.ACCEPTED).exists():
        return True
    if complaint.state != State.REMEDIED:
        return False
    remedy = remedy_log_latest(complaint_id=complaint.pk)
    now = now or timezone.now()
    return remedy is not None and remedy.created_at <= now - RATE_AFTER_REMEDY


def _remedy_message(*, complaint: Complaint, remedy: TransitionLog | None) -> str:
    """The public staff message written with (or right after) the step that remedied it."""
    if remedy is None:
        return ""
    body = (
        Message.objects.filter(
            complaint=complaint,
            visibility=Visibility.PUBLIC,
            kind=MessageKind.STAFF,
            created_at__gte=remedy.created_at,
        )
        .order_by("created_at", "id")
        .values_list("body", flat=True)
        .first()
    )
    return body or ""


@dataclass(frozen=True)
class CustomerView:
    complaint: Complaint
    timeline: list
    can_confirm: bool
    confirmed: bool
    remedy_open: bool
    remedy_message: str  # what we wrote when we remedied it (public)
    response: RemedyResponse | None
    can_rate: bool
    rating: HandlingRating | None


def customer_view(*, complaint: Complaint) -> CustomerView:
    """What the customer's page shows: nothing internal."""
    remedy = remedy_log_latest(complaint_id=complaint.pk)
    response = RemedyResponse.objects.filter(remedy_log=remedy).first() if remedy else None
    rating = HandlingRating.objects.filter(complaint=complaint).first()
    return CustomerView(
        complaint=complaint,
        timeline=complaint_selectors.complaint_public_timeline(complaint=complaint),
        can_confirm=complaint.state != State.VENTING and bool(complaint.summary.strip()),
        confirmed=complaint.summary_confirmed,
        remedy_open=complaint.state == State.REMEDIED and remedy is not None and response is None,
        remedy_message=_remedy_message(complaint=complaint, remedy=remedy),
        response=response,
        can_rate=rating is None and rating_open(complaint=complaint),
        rating=rating,
    )


# --- the workbench ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Feedback:
    """The customer's answers on one complaint, for staff."""

    summary_confirmed: bool
    summary_steps: list[TransitionLog]
    responses: list[RemedyResponse]
    rating: HandlingRating | None
    link: CustomerLink | None
    url: str | None


def complaint_feedback(*, complaint_id: int) -> Feedback:
    """Five queries whatever the history: the summary steps, responses, rating, link, flag."""
    steps = list(
        TransitionLog.objects.filter(
            complaint_id=complaint_id, transition__in=("summary_confirm", "summary_correct")
        ).order_by("created_at", "id")
    )
    responses = list(
        RemedyResponse.objects.filter(complaint_id=complaint_id).order_by("created_at", "id")
    )
    rating = HandlingRating.objects.filter(complaint_id=complaint_id).first()
    link = customer_link_active(complaint_id=complaint_id)
    confirmed = Complaint.objects.filter(pk=complaint_id).values_list(
        "summary_confirmed", flat=True
    )
    return Feedback(
        summary_confirmed=bool(confirmed.first()),
        summary_steps=steps,
        responses=responses,
        rating=rating,
        link=link,
        url=customer_link_url(link=link) if link else None,
    )


def remedy_answer_annotate(queryset: QuerySet[Complaint]) -> QuerySet[Complaint]:
    """`remedy_answer`: the decision of the complaint's latest answer to a remedy (or None), in
    the queue's own query. The queue flags an open complaint whose latest answer is a decline."""
    latest = RemedyResponse.objects.filter(complaint=OuterRef("pk")).order_by("-created_at", "-id")
    return queryset.annotate(remedy_answer=Subquery(latest.values("decision")[:1]))


def remedy_declined(complaint: Complaint) -> bool:
    """On a row of `remedy_answer_annotate`: open, and the customer declined the last remedy."""
    return complaint.is_open and getattr(complaint, "remedy_answer", None) == Decision.DECLINED


# --- the dashboard ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ConfirmationFigures:
    acknowledged: int  # complaints with a summary put to the customer
    confirmed: int
    share: float | None  # confirmed / acknowledged
    median_hours: float | None  # from the acknowledgement to the customer's first confirmation


def insight_summary_confirmation(*, since: datetime | None = None) -> ConfirmationFigures:
    """Share of summaries the customer confirmed, and the median time they took (two queries)."""
    acknowledged = Complaint.objects.exclude(summary="").exclude(state=State.VENTING)
    if since is not None:
        acknowledged = acknowledged.filter(created_at__gte=since)
    counts = acknowledged.aggregate(
        total=Count("pk"), confirmed=Count("pk", filter=Q(summary_confirmed=True))
    )
    first_ack = (
        TransitionLog.objects.filter(complaint=OuterRef("complaint"), transition="acknowledge")
        .order_by("created_at", "id")
        .values("created_at")[:1]
    )
    confirms = TransitionLog.objects.filter(transition="summary_confirm")
    if since is not None:
        confirms = confirms.filter(complaint__created_at__gte=since)
    # The first confirmation of each complaint, with the acknowledgement before it.
    firsts: dict[int, float] = {}
    for complaint_id, at, ack in (
        confirms.annotate(ack=Subquery(first_ack))
        .order_by("created_at", "id")
        .values_list("complaint_id", "created_at", "ack")
    ):
        if ack is not None and complaint_id not in firsts:
            firsts[complaint_id] = (at - ack).total_seconds() / 3600
    total, confirmed = counts["total"], counts["confirmed"]
    return ConfirmationFigures(
        acknowledged=total,
        confirmed=confirmed,
        share=confirmed / total if total else None,
        median_hours=statistics.median(firsts.values()) if firsts else None,
    )


@dataclass(frozen=True)
class AcceptanceFigures:
    answered: int
    accepted: int
    rate: float | None


def insight_remedy_acceptance(*, since: datetime | None = None) -> AcceptanceFigures:
    """Of the remedies the customer answered, the share accepted (one query)."""
    responses = RemedyResponse.objects.all()
    if since is not None:
        responses = responses.filter(created_at__gte=since)
    counts = responses.aggregate(
        answered=Count("pk"), accepted=Count("pk", filter=Q(decision=Decision.ACCEPTED))
    )
    answered, accepted = counts["answered"], counts["accepted"]
    return AcceptanceFigures(
        answered=answered, accepted=accepted, rate=accepted / answered if answered else None
    )


@dataclass(frozen=True)
class RatingRow:
    key: Any  # the category / tier value, or the agent's user id (None: unassigned)
    label: str
    ratings: int
    fairness: float  # the mean of 1–5
    solved_rate: float


@dataclass(frozen=True)
class RatingFigures:
    by_category: list[RatingRow] = field(default_factory=list)
    by_tier: list[RatingRow] = field(default_factory=list)
    by_agent: list[RatingRow] = field(default_factory=list)


_RATING_DIMENSIONS = {
    "by_category": "complaint__category",
    "by_tier": "complaint__tier",
    "by_agent": "complaint__assignee",
}


def insight_ratings(*, since: datetime | None = None) -> RatingFigures:
    """Mean fairness and solved rate by category, tier and agent (the complaint's assignee):
    one grouped query each, plus one for the agents' names."""
    ratings = HandlingRating.objects.all()
    if since is not None:
        ratings = ratings.filter(created_at__gte=since)
    grouped: dict[str, list[dict]] = {}
    for name, column in _RATING_DIMENSIONS.items():
        grouped[name] = list(
            ratings.order_by()
            .values(key=F(column))
            .annotate(
                n=Count("pk"),
                fairness=Avg("fairness"),
                solved=Count("pk", filter=Q(solved=True)),
            )
            .order_by("key")
        )
    agent_ids = [r["key"] for r in grouped["by_agent"] if r["key"] is not None]
    names: dict[Any, str] = defaultdict(str)
    for user in get_user_model().objects.filter(pk__in=agent_ids):
        names[user.pk] = user.get_full_name() or user.get_username()
    labels = {
        "by_category": lambda k: str(Category(k).label) if k in Category.values else k,
        "by_tier": lambda k: str(Tier(k).label) if k in Tier.values else k,
        "by_agent": lambda k: names[k] if k is not None else "—",
    }
    return RatingFigures(
        **{
            name: [
                RatingRow(
                    key=r["key"],
                    label=labels[name](r["key"]),
                    ratings=r["n"],
                    fairness=float(r["fairness"]),
                    solved_rate=r["solved"] / r["n"],
                )
                for r in rows
            ]
            for name, rows in grouped.items()
        }
    )
