"""The demo's history: about fifty complaints filed over the last 30 days and worked the way a
team works them, so the dashboard shows real medians, causes, repeat complainants, breaches and
compensation on a fresh `make run` (`load_demo` calls `history_load`).

Nothing here writes state by hand. Every complaint is filed, acknowledged, apologised for,
remedied (with compensation), escalated, approved or returned, limited or reopened through the
real services, and the deadline sweep runs at the moments its deadlines fall due, so every row
(TransitionLog, timeline, deadlines met and breached, compensation, outbox) is what production
writes. To place a step in the past, it runs under `demo_clock(at)`: the services read the time
from `django.utils.timezone.now()` (the sweep takes `now=` too), and the clock makes that function
return `at`. It patches the `datetime` name inside `django.utils.timezone`, not the `now`
attribute, because model field defaults (`default=timezone.now`) hold the function itself and
would otherwise stamp real time on the rows they fill (a new customer's `created_at`). Demo only:
nothing else may move the clock.

The run is a small discrete-event simulation: a heap of "next touch" moments, one per complaint;
before each touch the sweep catches up with every warning and breach due by then; each touch
advances the complaint one step toward its plan, reading its state first (a complaint the sweep
escalated is handled by the tier now holding it, as a lead would). Staff work in the default
calendar's business hours; customers write at any hour. Deterministic for a given "now" (seeded
random); idempotent: it runs once, in one transaction, and not at all when the first history
complaint exists. It stops a minute before the command started, so the demo's present-day
stories (the coconut, the espresso refund) stay the newest.

What leaves the database: the history's webhook events are marked dispatched and its staff
emails sent at the moment they were written (as the outbox pump would have done then), so a
first `make run` neither posts weeks of fabricated events to a subscriber nor mails the staff
dozens of stale warnings. The demo has no webhook subscriptions; a subscription made later never
receives events older than itself anyway (`outbox_fan_out`). Customer emails of the history
are marked sent by the mail app, through `history_loaded`.
"""

from __future__ import annotations

import heapq
import random
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from unittest import mock

import django.utils.timezone as dj_timezone
from django.db import transaction
from django.db.models import F, Max, Min, Q
from django.dispatch import Signal

from compensation.models import CompensationRequest, Status
from compensation.services import (
    complaint_compensation_approve,
    complaint_compensation_reject,
    complaint_remedy_with_compensation,
)
from complaints import services as cs
from complaints.models import OPEN_STATES, Complaint, State
from escalation.businesstime import add_business_time
from escalation.models import OPEN_STATUSES, Deadline, DeadlineStatus
from escalation.selectors import policy_map
from escalation.services import deadline_sweep
from webhooks.models import OutboxEvent, OutboxMail

PREFIX = "demo-history-"
SEED = 2026
DAYS = 30
HOUR = timedelta(hours=1)
SWEEP_LAG = timedelta(minutes=1)  # the beat sweeps every few seconds; a minute is plenty

# Sent inside the history's transaction with `complaint_ids`: apps above this one (customer
# mail) mark what they would have sent back then as sent, as this module does for its own.
history_loaded = Signal()
# Sent by `load_demo` after its own stories with `users`: apps above this one (regimes) add
# theirs; a receiver returns how many complaints it filed (0 on a second run).
demo_loaded = Signal()


# --- the clock ------------------------------------------------------------------------------------

_real_datetime = datetime


class _Clock:
    """Stands in for `datetime` inside `django.utils.timezone`: `now()` is the demo's moment,
    everything else (and `isinstance`) is the real class."""

    def __init__(self, at: datetime) -> None:
        self.at = at

    def now(self, tz: Any = None) -> datetime:
        return self.at.astimezone(tz) if tz is not None else self.at.replace(tzinfo=None)

    def __getattr__(self, name: str) -> Any:
        return getattr(_real_datetime, name)

    def __instancecheck__(self, obj: Any) -> bool:
        return isinstance(obj, _real_datetime)


@contextmanager
def demo_clock(at: datetime) -> Iterator[None]:
    """`django.utils.timezone.now()` returns `at` inside the block (see the module docstring)."""
    with mock.patch.object(dj_timezone, "datetime", _Clock(at.astimezone(UTC))):
        yield


# --- the stories ----------------------------------------------------------------------------------

# (category, subject, the customer's words, root cause, fault)
TOPICS = [
    (
        "delivery",
        "Parcel stuck at the depot",
        "My parcel has been at your depot for a week. Where is it?",
        "Carrier delay at the regional hub",
        "company",
    ),
    (
        "delivery",
        "Delivered to the wrong address",
        "The tracking says delivered, but not to me.",
        "Driver ignored the delivery note",
        "company",
    ),
    (
        "delivery",
        "Express delivery took five days",
        "I paid for express and waited five days!",
        "Express label not printed",
        "company",
    ),
    (
        "missing_item",
        "Charger missing from the box",
        "The laptop came without its charger.",
        "Packing checklist skipped",
        "company",
    ),
    (
        "missing_item",
        "Only two of three chairs arrived",
        "I ordered three chairs and got two.",
        "Split shipment not announced",
        "shared",
    ),
    (
        "missing_item",
        "Batteries not included after all",
        "The listing said batteries included. They were not.",
        "Listing text out of date",
        "company",
    ),
    (
        "damaged",
        "Mirror cracked in transit",
        "The mirror arrived cracked right across.",
        "Fragile items packed without corners",
        "company",
    ),
    (
        "damaged",
        "Blender stopped after two uses",
        "The blender died on the second smoothie.",
        "Faulty batch from supplier",
        "company",
    ),
    (
        "damaged",
        "Scratched table top",
        "Deep scratches all over the new table.",
        "Fragile items packed without corners",
        "company",
    ),
    (
        "billing",
        "Charged twice for one order",
        "Two identical charges on my card statement.",
        "Payment provider double capture",
        "company",
    ),
    (
        "billing",
        "Refund shows the wrong amount",
        "You refunded 12 EUR instead of 42 EUR.",
        "Manual refund typo",
        "company",
    ),
    (
        "billing",
        "Voucher code refused at checkout",
        "Your voucher code does not work, I tried five times.",
        "Voucher expired early in the shop system",
        "company",
    ),
    (
        "service",
        "Hotline kept me on hold for an hour",
        "I waited on hold for 58 minutes and got cut off.",
        "Hotline understaffed on Mondays",
        "company",
    ),
    (
        "service",
        "Chat agent closed the chat on me",
        "The agent just closed the chat while I was typing.",
        "Chat timeout too short",
        "shared",
    ),
    (
        "product",
        "Jacket smaller than the size chart says",
        "The jacket is one size smaller than the chart.",
        "Customer misread the size chart",
        "customer",
    ),
    (
        "product",
        "Coffee beans taste stale",
        "The beans taste old and flat.",
        "Out-of-date stock sold",
        "company",
    ),
    (
        "product",
        "Colour nothing like the photo",
        "The sofa is grey, the photo shows blue.",
        "Product photo colour-graded",
        "shared",
    ),
    (
        "other",
        "Newsletter after I unsubscribed",
        "I unsubscribed twice and still get your mails.",
        "Unsubscribe not synced to the mail tool",
        "company",
    ),
]

CUSTOMERS = [
    ("Anna Berg", "anna.berg@example.com"),
    ("Ben Okafor", "ben.okafor@example.com"),
    ("Chloé Martin", "chloe.martin@example.com"),
    ("Dmitri Ivanov", "dmitri.ivanov@example.com"),
    ("Elif Yılmaz", "elif.yilmaz@example.com"),
    ("Farah Haddad", "farah.haddad@example.com"),
    ("Georg Huber", "georg.huber@example.com"),
    ("Hana Sato", "hana.sato@example.com"),
    ("Ivan Petrov", "ivan.petrov@example.com"),
    ("Julia Nowak", "julia.nowak@example.com"),
    ("Kofi Mensah", "kofi.mensah@example.com"),
    ("Lena Vogel", "lena.vogel@example.com"),
    ("Marco Rossi", "marco.rossi@example.com"),
    ("Nina Larsen", "nina.larsen@example.com"),
    ("Oscar Lind", "oscar.lind@example.com"),
    ("Priya Nair", "priya.nair@example.com"),
    ("Quentin Dubois", "quentin.dubois@example.com"),
    ("Rosa Díaz", "rosa.diaz@example.com"),
    ("Somchai Wongsa", "somchai.wongsa@example.com"),
    ("Tanya Koleva", "tanya.koleva@example.com"),
    ("Umar Farouk", "umar.farouk@example.com"),
    ("Vera Novak", "vera.novak@example.com"),
    ("Wei Zhang", "wei.zhang@example.com"),
    ("Xenia Popova", "xenia.popova@example.com"),
    ("Yusuf Demir", "yusuf.demir@example.com"),
    ("Zoe Clarke", "zoe.clarke@example.com"),
    ("Li Na", "li.na@example.com"),
    ("Malee Srisuk", "malee.srisuk@example.com"),
    ("Petar Dimitrov", "petar.dimitrov@example.com"),
    ("Sara Lindqvist", "sara.lindqvist@example.com"),
]
# Repeat complainants: these come back (2–4 complaints each within the 30 days).
REPEAT = [0, 0, 0, 3, 3, 7, 7, 11, 11, 19]
# The espresso customer of the present-day story had an earlier complaint, settled with a small
# shipping refund: the approval queue can show what the customer already received.
RAVI = ("Ravi Return", "ravi@example.com")

# Compensation within frontline authority, by kind (EUR): most remedies carry some.
SMALL = [
    ("refund", "12.00", "Partial refund"),
    ("replacement", "29.90", "Replacement sent"),
    ("store_credit", "15.00", "Store credit"),
    ("voucher", "10.00", "Voucher for the next order"),
    ("gift", "5.00", "A small apology gift"),
    ("shipping_refund", "4.90", "Shipping costs refunded"),
]
# Beyond frontline (a team lead's or a manager's approval): the approval plans.
LARGE = [
    ("refund", "89.00", "Refund of the faulty item", "team_lead"),
    ("replacement", "180.00", "Replacement of the damaged piece", "team_lead"),
    ("store_credit", "120.00", "Store credit for the trouble", "team_lead"),
    ("refund", "640.00", "Full refund of the furniture set", "manager"),
]

# plan: how the complaint is meant to go (the sweep may change it; `History.touch` follows the state).
PLANS = (
    ["remedy"] * 22
    + ["plain"] * 5
    + ["late_ack"] * 6
    + ["late_promise"] * 4
    + ["approval"] * 5
    + ["rejected"] * 2
    + ["manual_escalate"] * 2
    + ["limits"] * 2
    + ["reopen"] * 4
)
AGENTS = ["frontline"] * 5 + ["frontline2"] * 4 + ["lead"]
CHANNELS = ["email"] * 4 + ["api"] * 3 + ["phone"] * 2 + ["chat"] * 2 + ["in_person"]
SEVERITIES = ["low"] * 2 + ["normal"] * 6 + ["high"] * 3 + ["critical"]


@dataclass
class Story:
    number: int
    plan: str
    filed: datetime
    customer: tuple[str, str]
    topic: tuple[str, str, str, str, str]
    severity: str
    channel: str
    agent: str
    items: list[dict]
    rng: random.Random
    complaint_id: int | None = None
    rejected: bool = False
    reopened: bool = False
    escalated_by_hand: bool = False

    @property
    def external_id(self) -> str:
        return f"{PREFIX}{self.number:02d}"


def _stories(*, end: datetime) -> list[Story]:
    rng = random.Random(SEED)
    plans = PLANS[:]
    rng.shuffle(plans)
    customers = [CUSTOMERS[i] for i in REPEAT] + CUSTOMERS[:]
    customers += [CUSTOMERS[rng.randrange(len(CUSTOMERS))] for _ in range(len(plans))]
    stories = []
    for n, plan in enumerate(plans, start=1):
        own = random.Random(SEED * 1000 + n)
        # Spread over 30 days, a little denser lately; approvals happened long enough ago to be
        # decided (the manager's queue holds the present-day espresso refund only).
        oldest = DAYS - 0.3
        newest = 10.0 if plan in ("approval", "rejected") else 0.05
        age = newest + (oldest - newest) * own.random() ** 1.2
        filed = end - timedelta(days=age)
        # Customers write mostly in the day, local time; the clock is UTC.
        filed = filed.replace(hour=own.choice([6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 17, 19, 21]))
        filed = min(filed.replace(minute=own.randrange(60)), end - 2 * HOUR)
        topic = TOPICS[own.randrange(len(TOPICS))]
        if plan == "approval":
            kind, amount, note, _tier = LARGE[n % len(LARGE)]
            items = [{"kind": kind, "amount": amount, "note": note}]
        elif plan == "rejected":
            items = [{"kind": "refund", "amount": "75.00", "note": "Refund asked for in full"}]
        elif plan in ("plain", "limits"):
            items = []
        else:
            kind, amount, note = SMALL[own.randrange(len(SMALL))]
            items = [{"kind": kind, "amount": amount, "note": note}]
        stories.append(
            Story(
                number=n,
                plan=plan,
                filed=filed,
                customer=customers[n - 1],
                topic=topic,
                severity="critical" if plan == "manual_escalate" else own.choice(SEVERITIES),
                channel=own.choice(CHANNELS),
                agent=own.choice(AGENTS),
                items=items,
                rng=own,
            )
        )
    # Ravi's earlier complaint: twelve days ago, a late parcel, shipping costs refunded.
    ravi = stories[-1]
    ravi.plan, ravi.customer = "remedy", RAVI
    ravi.topic = TOPICS[2]
    ravi.filed = end - timedelta(days=12, hours=3)
    ravi.items = [{"kind": "shipping_refund", "amount": "6.90", "note": "Express costs refunded"}]
    return stories


# What the customer asks for at intake, by category (DESIGN §10): (customer_request, in their
# words). Every fifth customer does not say (as most emails do not).
ASKS = {
    "delivery": ("explanation", "Where my parcel is, and when it comes"),
    "missing_item": ("replacement", "The missing piece sent"),
    "damaged": ("replacement", ""),
    "billing": ("refund", "The money back"),
    "service": ("apology", ""),
    "product": ("refund", ""),
    "other": ("other", "Someone to call me back"),
}
LIMITS_REASON = "The order was delivered as described; the demands go beyond anything owed."
# How each fault (the apology's) closes, unless the plan says otherwise (`_closing`).
OUTCOME_BY_FAULT = {
    "company": ("upheld", ""),
    "shared": (
        "partly_upheld",
        "Part of it was ours (the packing), part not: the item was used before it was returned.",
    ),
    "customer": (
        "not_upheld",
        "The product works as described; we explained how to set it up and offered a gesture.",
    ),
}


def _asks(story: Story) -> tuple[str, str]:
    return ("", "") if story.number % 5 == 0 else ASKS[story.topic[0]]


def _closing(story: Story, items: list[dict]) -> tuple[dict[str, str], list[dict]]:
    """The outcome a remedy records, and its items marked goodwill when the complaint is not
    upheld (nothing was owed, so what was given is a gesture). Deterministic: no random draws,
    so the history's timing is what it was before outcomes existed."""
    if story.rejected:
        outcome = (
            "partly_upheld",
            "A full refund is not justified for a used item; a goodwill voucher instead.",
        )
    else:
        outcome = OUTCOME_BY_FAULT.get(story.topic[4], ("upheld", ""))
    if outcome[0] == "not_upheld":
        items = [{**item, "nature": "goodwill"} for item in items]
    return {"outcome": outcome[0], "outcome_reason": outcome[1]}, items


# --- the simulation -------------------------------------------------------------------------------


@dataclass
class History:
    users: dict[str, Any]
    end: datetime
    stories: list[Story] = field(default_factory=list)
    sweeps: int = 0
    last_sweep: datetime | None = None

    def schedule(self, story: Story):
        return policy_map()[(story.topic[0], story.severity)].calendar.schedule

    def policy(self, story: Story):
        return policy_map()[(story.topic[0], story.severity)]

    def later(self, story: Story, at: datetime, business_hours: float) -> datetime:
        """A staff moment `business_hours` of working time after `at`, on a whole minute."""
        when = add_business_time(self.schedule(story), at, timedelta(hours=business_hours))
        return when.replace(second=0, microsecond=0) + timedelta(minutes=story.rng.randrange(1, 9))

    # The sweep, caught up with every warning and breach due by `until`.
    def catch_up(self, until: datetime) -> None:
        while True:
            due = Deadline.objects.filter(
                status__in=OPEN_STATUSES, paused_at__isnull=True, complaint__state__in=OPEN_STATES
            ).aggregate(
                due=Min("due_at"),
                warn=Min("warn_at", filter=Q(status=DeadlineStatus.PENDING)),
            )
            moments = [m for m in (due["due"], due["warn"]) if m is not None]
            if not moments or min(moments) > until:
                return
            at = min(min(moments) + SWEEP_LAG, until)
            if self.last_sweep is not None and at <= self.last_sweep:
                at = self.last_sweep + SWEEP_LAG  # nothing due stays behind a sweep
                if at > until:
                    return
            with demo_clock(at):
                deadline_sweep(now=at)
            self.sweeps += 1
            self.last_sweep = at

    def run(self) -> None:
        self.stories = _stories(end=self.end)
        heap = [(s.filed, s.number) for s in self.stories]
        heapq.heapify(heap)
        by_number = {s.number: s for s in self.stories}
        while heap:
            at, number = heapq.heappop(heap)
            self.catch_up(at)
            story = by_number[number]
            with demo_clock(at):
                following = self.touch(story, at)
            if following is not None and following < self.end:
                heapq.heappush(heap, (following, number))
        self.catch_up(self.end)

    # One step of one complaint; returns when its next step happens (None: it is done).
    def touch(self, story: Story, at: datetime) -> datetime | None:
        rng, u = story.rng, self.users
        if story.complaint_id is None:
            return self._file(story, at)
        complaint = Complaint.objects.get(pk=story.complaint_id)
        agent = u[story.agent]
        state = complaint.state
        if state == State.VENTING:
            if complaint.assignee_id is None:
                cs.complaint_assign(complaint_id=complaint.pk, actor=agent, assignee=agent)
            promise = self.later(story, at, rng.choice([6, 8, 12, 16]))
            summary = f"Key points: {story.topic[1].lower()}; the customer wants it put right."
            cs.complaint_acknowledge(
                complaint_id=complaint.pk,
                actor=agent,
                summary=summary,
                message=rng.choice(
                    [
                        "I understand how annoying this is, and thank you for telling us.",
                        "I can see why you are upset; I would be too.",
                        "Thank you for your patience; I have your case and I am on it.",
                    ]
                ),
                promised_by=promise,
                summary_confirmed=rng.random() < 0.8,
            )
            return self.later(story, at, rng.uniform(0.2, 1.5))
        if state == State.ACKNOWLEDGED:
            if story.plan == "limits":
                cs.complaint_set_limits(
                    complaint_id=complaint.pk,
                    actor=agent,
                    reason="Three offers refused; the customer repeats demands we cannot meet.",
                    message="We have offered all we can for this order and will close it now.",
                    outcome="not_upheld",
                    outcome_reason=LIMITS_REASON,
                )
                return None
            if story.plan == "manual_escalate" and not story.escalated_by_hand:
                story.escalated_by_hand = True
                cs.complaint_escalate(
                    complaint_id=complaint.pk,
                    actor=agent,
                    reason="Critical and beyond what frontline can settle: needs a lead.",
                )
                return self.later(story, at, rng.uniform(0.3, 2))
            cs.complaint_apologize(
                complaint_id=complaint.pk,
                actor=agent,
                fault=story.topic[4],
                message="I am sorry: this should not have happened.",
            )
            if story.plan == "late_promise":  # the answer comes after the promised time
                return self.later(story, complaint.promised_by, rng.uniform(1, 4))
            return self.later(story, at, rng.uniform(0.3, 3))
        if state == State.APOLOGIZED:
            items = story.items
            if story.rejected:  # the lead said no to the full refund: a smaller gesture
                items = [{"kind": "voucher", "amount": "20.00", "note": "Goodwill voucher"}]
            closing, items = _closing(story, items)
            complaint_remedy_with_compensation(
                complaint_id=complaint.pk,
                actor=agent,
                message="We have put it right; thank you for bearing with us.",
                root_cause=story.topic[3],
                items=items,
                **closing,
            )
            if Complaint.objects.get(pk=complaint.pk).state == State.ESCALATED:
                # Waits for approval: the decider looks at it within their window.
                window = self.policy(story).approval_minutes / 60
                return self.later(story, at, window * rng.uniform(0.2, 0.8))
            if story.plan == "reopen" and not story.reopened:
                return at + timedelta(hours=rng.uniform(20, 96))  # the customer writes back
            return None
        if state == State.ESCALATED:
            return self._decide(story, complaint, at)
        if state == State.REMEDIED and story.plan == "reopen" and not story.reopened:
            story.reopened = True
            filer = complaint.filed_by or agent
            cs.complaint_reopen(
                complaint_id=complaint.pk,
                actor=filer,
                message="It happened again with the replacement. I am not happy.",
            )
            return self.later(story, at, rng.uniform(0.2, 2))
        return None

    def _file(self, story: Story, at: datetime) -> datetime:
        u = self.users
        staff_channel = story.channel in ("phone", "chat", "in_person")
        complaint, _created = cs.complaint_intake(
            customer_name=story.customer[0],
            customer_email=story.customer[1],
            subject=story.topic[1],
            description=story.topic[2],
            channel=story.channel,
            category=story.topic[0],
            severity=story.severity,
            customer_request=_asks(story)[0],
            customer_request_detail=_asks(story)[1],
            external_id=story.external_id,
            actor=u[story.agent] if staff_channel else u["shop"],
        )
        story.complaint_id = complaint.pk
        window = self.policy(story).first_response_minutes / 60
        if story.plan == "late_ack":  # answered well past the first-response deadline
            return self.later(story, at, window * story.rng.uniform(1.5, 3))
        return self.later(story, at, window * story.rng.uniform(0.1, 0.7))

    def _decide(self, story: Story, complaint: Complaint, at: datetime) -> datetime | None:
        """The tier holding an escalated complaint decides it."""
        rng = story.rng
        pending = CompensationRequest.objects.filter(complaint=complaint, status=Status.PENDING)
        # Whoever holds enough authority: the tier the pending request needs, else the tier
        # the complaint climbed to.
        tiers = {complaint.tier, *pending.values_list("required_tier", flat=True)}
        decider = self.users["manager" if "manager" in tiers else "lead"]
        if story.plan == "limits":
            cs.complaint_set_limits(
                complaint_id=complaint.pk,
                actor=self.users["manager"],
                reason="Demands beyond any offer after escalation; alternatives exhausted.",
                message="We have offered all we can for this order and will close it now.",
                outcome="not_upheld",
                outcome_reason=LIMITS_REASON,
            )
            return None
        if pending.exists():
            if story.plan == "rejected" and not story.rejected:
                story.rejected = True
                complaint_compensation_reject(
                    complaint_id=complaint.pk,
                    actor=decider,
                    note="A full refund is not justified here; offer a goodwill voucher.",
                )
                return self.later(story, at, rng.uniform(0.3, 2))
            complaint_compensation_approve(
                complaint_id=complaint.pk, actor=decider, note="Checked the order; agreed."
            )
            return None
        if complaint.escalated_from == State.APOLOGIZED or story.escalated_by_hand:
            # A lapsed promise (or a hand-over): the lead puts it right within their authority.
            closing, items = _closing(
                story, [{"kind": "store_credit", "amount": "40.00", "note": "For the long wait"}]
            )
            complaint_remedy_with_compensation(
                complaint_id=complaint.pk,
                actor=decider,
                message="I have taken this over from my colleague and put it right today.",
                root_cause=story.topic[3],
                items=items,
                **closing,
            )
            if Complaint.objects.get(pk=complaint.pk).state == State.ESCALATED:
                window = self.policy(story).approval_minutes / 60
                return self.later(story, at, window * rng.uniform(0.2, 0.8))
            return None
        note = (
            "The first answer is overdue: answer the customer today, please."
            if complaint.escalated_from == State.VENTING
            else "The promised answer is overdue: apologise and put it right today, please."
        )
        cs.complaint_return(complaint_id=complaint.pk, actor=decider, note=note)
        return self.later(story, at, rng.uniform(0.2, 1))


def history_load(*, users: dict[str, Any], end: datetime) -> int:
    """Walk the history up to `end` (a moment before the command's present-day stories); once.
    Returns how many complaints it filed (0 when the history is there already)."""
    if Complaint.objects.filter(external_id__startswith=PREFIX).exists():
        return 0
    with transaction.atomic():
        mail_mark = OutboxMail.objects.aggregate(m=Max("pk"))["m"] or 0
        history = History(users=users, end=end)
        history.run()
        ids = [s.complaint_id for s in history.stories if s.complaint_id is not None]
        history_delivered(complaint_ids=ids, mail_mark=mail_mark)
    return len(ids)


def history_delivered(*, complaint_ids: list[int], mail_mark: int) -> None:
    """What leaves the database happened back then (see the module docstring): staff emails
    newer than `mail_mark` count as sent, the complaints' webhook events as dispatched, and apps
    above this one (customer mail) mark theirs through `history_loaded`. For any demo story
    walked in the past (the regimes app's too)."""
    OutboxMail.objects.filter(pk__gt=mail_mark, sent_at__isnull=True).update(
        sent_at=F("created_at"), attempts=1
    )
    OutboxEvent.objects.filter(
        dispatched_at__isnull=True, payload__complaint_id__in=complaint_ids
    ).update(dispatched_at=F("occurred_at"))
    history_loaded.send(sender=History, complaint_ids=complaint_ids)
