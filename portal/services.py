"""Writes of the customer's side: the link, the answer to a remedy, the rating of the handling.

Each service owns its transaction and locks the complaint first, so a double submit or two
tabs racing meet one after the other: the second finds the first's row and changes nothing (the
same answer) or is refused (409, a different answer). Every act is audited on the complaint's
TransitionLog: the transitions (a declined remedy reopens, or escalates a complaint already
reopened once) by the complaints engine itself, the other acts as steps that are not state
changes. The act is the customer's: through their link (`actor=None`), or an integration or a
member of staff acting for them (the API).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from complaints import services as complaint_services
from complaints.models import Complaint, Message, MessageKind, State
from complaints.services.checks import MAX_TEXT, Checker
from core import roles
from core.errors import InvalidTransitionError, NotPermittedError, RuleViolationError
from portal import selectors, tokens
from portal.models import CustomerLink, Decision, HandlingRating, RemedyResponse, Via

# A customer may rate the handling after accepting the remedy, or this long after it.
RATE_AFTER_REMEDY = timedelta(days=7)
# The same reply again within this time is a double submit, not a second message.
REPLY_REPEAT = timedelta(minutes=10)


# --- the link --------------------------------------------------------------------------------


def customer_link_issue(*, complaint: Complaint, actor: Any = None) -> CustomerLink:
    """A new link for a complaint the caller holds locked; the active one (if any) is revoked.
    Audited (`customer_link_issue`); not an edit of the complaint, so its version stays."""
    now = timezone.now()
    revoked = CustomerLink.objects.filter(complaint=complaint, revoked_at__isnull=True).update(
        revoked_at=now, revoked_by=actor
    )
    link = CustomerLink.objects.create(complaint=complaint, key=tokens.key_new(), created_at=now)
    complaint_services.complaint_step_log(
        complaint=complaint,
        actor=actor,
        step="customer_link_issue",
        payload={"link_id": link.pk, "replaced": bool(revoked)},
        at=now,
    )
    return link


def customer_links_ensure(*, complaint_ids: Iterable[int]) -> None:
    """Every complaint of `complaint_ids` gets an active link if it has none (one read, one
    insert). The caller holds the complaints locked, so two never issue one twice."""
    wanted = set(complaint_ids)
    have = set(
        CustomerLink.objects.filter(complaint_id__in=wanted, revoked_at__isnull=True).values_list(
            "complaint_id", flat=True
        )
    )
    customer_links_create(complaint_ids=wanted - have)


def customer_links_create(*, complaint_ids: Iterable[int]) -> None:
    """Issue the first link of complaints that have none active (the caller read that in its
    own query, `selectors.customer_link_exists`): its first need, a mail that will carry it.
    One insert. Issuing on first need is the system's, not an act of anyone, so it is not
    logged; staff renewals and revocations are."""
    now = timezone.now()
    CustomerLink.objects.bulk_create(
        CustomerLink(complaint_id=pk, key=tokens.key_new(), created_at=now)
        for pk in sorted(set(complaint_ids))
    )


def _staff_only(actor: Any) -> None:
    if not roles.is_agent(actor):
        raise NotPermittedError(roles.staff_refusal(actor))


def customer_link_renew(*, complaint_id: int, actor: Any) -> CustomerLink:
    """Staff: replace the customer's link (the old one stops working at once)."""
    _staff_only(actor)
    with transaction.atomic():
        complaint = complaint_services.complaint_lock(complaint_id)
        return customer_link_issue(complaint=complaint, actor=actor)


def customer_link_revoke(*, complaint_id: int, actor: Any) -> int:
    """Staff: the customer's link stops working (the next mail carries a new one). Returns how
    many links were revoked (0: there was none active — nothing is logged)."""
    _staff_only(actor)
    with transaction.atomic():
        complaint = complaint_services.complaint_lock(complaint_id)
        now = timezone.now()
        ids = list(
            CustomerLink.objects.filter(complaint=complaint, revoked_at__isnull=True).values_list(
                "pk", flat=True
            )
        )
        if not ids:
            return 0
        CustomerLink.objects.filter(pk__in=ids).update(revoked_at=now, revoked_by=actor)
        complaint_services.complaint_step_log(
            complaint=complaint,
            actor=actor,
            step="customer_link_revoke",
            payload={"link_ids": ids},
            at=now,
        )
        return len(ids)


# --- the answer to the remedy ---------------------------------------------------------------


def _answered(existing: RemedyResponse, decision: str) -> RemedyResponse:
    if existing.decision == decision:
        return existing  # a double submit: the first answer stands
    raise InvalidTransitionError(
        _("You have already answered this remedy. If something is still wrong, write to us below.")
    )


def remedy_respond(
    *, complaint_id: int, actor: Any, decision: str, words: str, via: str = Via.LINK
) -> RemedyResponse:
    """The customer accepts the remedy (a written acceptance: their words and the time) or
    declines it with a reason. Declining reopens the complaint (DESIGN §2), or, when it was
    reopened before, reopens and escalates it to the next tier — both through the engine."""
    check = Checker()
    check.choice("decision", decision, Decision.values)
    words = check.text("words", words, max_length=MAX_TEXT, required=False)
    check.choice("via", via, Via.values)
    check.raise_if_any()
    if decision == Decision.DECLINED and not words:
        # Well-formed, but a decline says why (the reason reopens the complaint): a rule, 422.
        raise RuleViolationError(
            _("Please tell us why the remedy does not put things right for you."),
            fields={"words": [_("Required when you decline.")]},
        )
    with transaction.atomic():
        complaint = complaint_services.complaint_lock(complaint_id)
        label = complaint_services.customer_acting_check(complaint=complaint, actor=actor)
        remedy_log = selectors.remedy_log_latest(complaint_id=complaint.pk)
        existing = (
            RemedyResponse.objects.filter(remedy_log=remedy_log).first() if remedy_log else None
        )
        if existing is not None:
            return _answered(existing, decision)
        if complaint.state != State.REMEDIED or remedy_log is None:
            raise InvalidTransitionError(
                _("There is no remedy to answer yet: we will write to you when we have one.")
            )
        now = timezone.now()
        response = RemedyResponse.objects.create(
            complaint=complaint,
            remedy_log=remedy_log,
            decision=decision,
            words=words,
            via=via,
            created_at=now,
        )
        payload = {"response_id": response.pk, "remedy_log_id": remedy_log.pk, "via": via}
        if decision == Decision.ACCEPTED:
            complaint_services.complaint_step(
                complaint=complaint,
                actor=actor,
                name="remedy_accept",
                fields=[],
                reason=words,
                payload=payload,
                actor_label=label,
                at=now,
            )
            return response
        complaint_services.complaint_step_log(
            complaint=complaint,
            actor=actor,
            step="remedy_decline",
            reason=words,
            payload=payload,
            actor_label=label,
            at=now,
        )
        reopened_before = complaint.reopen_count > 0
        complaint_services.complaint_reopen(
            complaint_id=complaint.pk,
            actor=actor,
            message=words,
            customer_label=complaint.customer.name if actor is None else "",
        )
        if reopened_before:
            complaint_services.complaint_escalate(
                complaint_id=complaint.pk,
                actor=None,
                reason=_("The customer declined the remedy again after a reopen."),
                payload={"remedy_response_id": response.pk},
            )
    return response


# --- the rating of the handling -------------------------------------------------------------


def handling_rate(
    *,
    complaint_id: int,
    actor: Any,
    fairness: int,
    solved: bool,
    comment: str = "",
    via: str = Via.LINK,
) -> HandlingRating:
    """How the customer was treated: fairness 1–5, solved yes/no, a comment. Once per complaint,
    after the remedy was accepted or a week after it."""
    check = Checker()
    if isinstance(fairness, bool) or not isinstance(fairness, int) or not 1 <= fairness <= 5:
        check.add("fairness", _("Choose a number from 1 to 5."))
    if not isinstance(solved, bool):
        check.add("solved", _("Say yes or no."))
    comment = check.text("comment", comment, max_length=MAX_TEXT, required=False)
    check.choice("via", via, Via.values)
    check.raise_if_any()
    with transaction.atomic():
        complaint = complaint_services.complaint_lock(complaint_id)
        label = complaint_services.customer_acting_check(complaint=complaint, actor=actor)
        existing = HandlingRating.objects.filter(complaint=complaint).first()
        if existing is not None:
            if (existing.fairness, existing.solved, existing.comment) == (
                fairness,
                solved,
                comment,
            ):
                return existing
            raise InvalidTransitionError(
                _("You have already rated how we handled this. Thank you!")
            )
        if not selectors.rating_open(complaint=complaint):
            raise InvalidTransitionError(
                _(
                    "You can rate how we handled this once you have accepted the remedy, or a "
                    "week after it."
                )
            )
        now = timezone.now()
        rating = HandlingRating.objects.create(
            complaint=complaint,
            fairness=fairness,
            solved=solved,
            comment=comment,
            via=via,
            created_at=now,
        )
        complaint_services.complaint_step(
            complaint=complaint,
            actor=actor,
            name="handling_rate",
            fields=[],
            reason=comment,
            payload={"rating_id": rating.pk, "fairness": fairness, "solved": solved, "via": via},
            actor_label=label,
            at=now,
        )
    return rating


# --- a reply through the link ----------------------------------------------------------------


def customer_reply(*, complaint_id: int, body: str) -> Any:
    """The customer's message from their link: a public customer message (the system relays
    their words under their name). The same words again within `REPLY_REPEAT` (a double submit)
    add nothing."""
    with transaction.atomic():
        complaint = complaint_services.complaint_lock(complaint_id)
        last = (
            Message.objects.filter(
                complaint=complaint,
                kind=MessageKind.CUSTOMER,
                created_at__gte=timezone.now() - REPLY_REPEAT,
            )
            .order_by("-created_at", "-id")
            .first()
        )
        if last is not None and last.body == body.strip():
            return last
        return complaint_services.message_add(
            complaint_id=complaint.pk,
            actor=None,
            body=body,
            customer_label=complaint.customer.name,
        )
