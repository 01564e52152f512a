"""The regimes' demo stories, added to `load_demo` through compensation's `demo_loaded` signal
(compensation sits below regimes and cannot import it). Idempotent by `external_id`.

- A card payment complaint under `eu_psd2`, filed today: its 15-business-day holding reply and
  35-day final response clocks run beside the service clocks.
- A current account complaint under `uk_fca_disp`, received 52 days ago and paused since, while
  the customer finds their statements: its service clocks stopped, the FCA's eight-week final
  response clock did not — it is warned, four days from its limit.
- A current account complaint resolved the day after receipt, inside three business days, so a
  summary resolution communication will do: its letter is the letters work's to send
  (`_summary_resolution_letter`).

Each step runs through the real services at its moment in the past (`demo_clock`), like the
demo's history, and what it mailed back then counts as sent (`history_delivered`).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from compensation.management.demo_history import demo_clock, history_delivered
from complaints import services as cs
from complaints.models import Complaint
from escalation.services import deadline_sweep
from regimes import clocks
from regimes.models import Regime
from webhooks.models import OutboxMail

LONDON = ZoneInfo("Europe/London")


def _weekday_before(regime: Regime, days: int) -> date:
    day = timezone.now().astimezone(LONDON).date() - timedelta(days=days)
    while not clocks.is_business_day(regime, day):
        day -= timedelta(days=1)
    return day


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=LONDON)


def _summary_resolution_letter(*, complaint_id: int, actor: Any, at: datetime) -> None:
    """The place for the letters work: send the summary resolution letter of this complaint at
    `at` (under `demo_clock(at)`); sending it stops its FCA clocks (`regime_clock_stop` with
    `summary_resolution`). Until letters land nothing is sent, and the complaint's final
    response clock stays open."""


def _near_limit(*, fl: Any, fca: Regime) -> int:
    received = _at(timezone.now().astimezone(LONDON).date() - timedelta(days=52), 11, 20)
    with demo_clock(received):
        c, _ = cs.complaint_intake(
            customer_name="Priya Raman",
            customer_email="priya.raman@example.net",
            subject="Overdraft fees while my salary was held up",
            description=(
                "My salary arrived four days late because of your payments outage, and you "
                "charged me overdraft fees for every one of those days. I want them back."
            ),
            category="current_account",
            severity="normal",
            customer_request="refund",
            customer_request_detail="The overdraft fees of 1 to 4 March",
            external_id="demo-regime-near-limit",
        )
    with demo_clock(received + timedelta(hours=2)):
        cs.complaint_acknowledge(
            complaint_id=c.pk,
            actor=fl,
            summary="Overdraft fees charged while the salary was delayed by our outage.",
            message="I understand how unfair that feels. I am looking into every fee now.",
            promised_by=received + timedelta(days=2),
        )
    with demo_clock(received + timedelta(days=1, hours=3)):
        cs.complaint_pause(
            complaint_id=c.pk,
            actor=fl,
            reason="Waiting for the customer's statements from her other bank.",
        )
    return c.pk


def _resolved_fast(*, fl: Any, fca: Regime) -> int:
    received = _at(_weekday_before(fca, 9), 9, 40)
    with demo_clock(received):
        c, _ = cs.complaint_intake(
            customer_name="Tom Ellery",
            customer_email="tom.ellery@example.org",
            subject="Card blocked abroad, charged a replacement fee",
            description="My card was blocked on holiday and you charged me 15 GBP to replace it.",
            category="current_account",
            severity="normal",
            customer_request="refund",
            customer_request_detail="The 15 GBP replacement fee",
            external_id="demo-regime-resolved-fast",
        )
    with demo_clock(received + timedelta(hours=1)):
        cs.complaint_acknowledge(
            complaint_id=c.pk,
            actor=fl,
            summary="Card blocked abroad by our fraud check; a 15 GBP fee charged for it.",
            message="I am sorry your holiday started like this. I will sort it out today.",
            promised_by=received + timedelta(hours=6),
        )
        cs.complaint_apologize(
            complaint_id=c.pk,
            actor=fl,
            message="Our fraud check blocked a genuine payment; that was our mistake.",
            fault="company",
        )
    resolved = received + timedelta(days=1, hours=1)
    with demo_clock(resolved):
        cs.complaint_remedy(
            complaint_id=c.pk,
            actor=fl,
            message="We have refunded the 15 GBP fee and sent a new card by express.",
            root_cause="Fraud rule too strict for travel payments",
            outcome="upheld",
        )
        _summary_resolution_letter(complaint_id=c.pk, actor=fl, at=resolved)
    return c.pk


def _card_payment(*, fl: Any) -> int:
    c, _ = cs.complaint_intake(
        customer_name="Jonas Weber",
        customer_email="jonas.weber@example.de",
        subject="Card payment taken twice at the petrol station",
        description="I paid 62.40 EUR once, and the amount was taken from my account twice.",
        category="card_payments",
        severity="normal",
        customer_request="refund",
        customer_request_detail="The second 62.40 EUR",
        external_id="demo-regime-card-twice",
    )
    return c.pk


def regimes_demo_load(*, sender: Any = None, users: dict[str, Any], **kwargs: Any) -> int:
    """`demo_loaded` receiver: the three stories, once. Returns how many were filed."""
    if Complaint.objects.filter(external_id__startswith="demo-regime-").exists():
        return 0
    fca = Regime.objects.get(code="uk_fca_disp")
    fl = users["frontline"]
    with transaction.atomic():
        mail_mark = OutboxMail.objects.aggregate(m=Max("pk"))["m"] or 0
        ids = [_near_limit(fl=fl, fca=fca), _resolved_fast(fl=fl, fca=fca)]
        history_delivered(complaint_ids=ids, mail_mark=mail_mark)
        ids.append(_card_payment(fl=fl))
        # Today's sweep: the near-limit complaint's final response clock is warned now (its
        # email is today's), the resolved one's summary window has closed.
        deadline_sweep(now=timezone.now())
    return len(ids)
