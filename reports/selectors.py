"""The complaints return: one regime, one period, figures per category × root cause.

What it guarantees:
- A fixed number of queries whatever the number of complaints (the regime with its
  assignments, the grouped counts, the closed complaints' two times, the grouped compensation
  sums): counts and sums are aggregated by the database; only the time-to-close buckets are
  counted in Python, because business days need the regime's holiday calendar.
- The period is `date_from` … `date_to` inclusive, as dates in the regime's time zone.
- Every figure is as things stood at the period's end, read from the append-only TransitionLog,
  so a return for a past period does not change when a complaint is reopened later:
  * opened: received (filed) in the period;
  * closed: its last step before the period's end closed it (remedied or limits set) and that
    step fell in the period (closed, reopened and closed again in the period counts once);
  * outstanding: received by the period's end and still open then;
  * a complaint merged into another by then is left out (the survivor carries it).
- Time to close, from the receipt's day to the closing step's day (regime time zone): within
  three business days (the third business day after the day of receipt, weekends and the
  regime calendar's public holidays skipped), then within eight weeks (56 calendar days), then
  after eight weeks. The three buckets add up to `closed`.
- Upheld: the outcome the closing step recorded is upheld or partly upheld; the share is upheld
  over closed (None when nothing closed).
- Redress and goodwill: compensation given (granted on the spot or approved) by the period's
  end on the complaints closed in it, summed per currency, redress and goodwill apart.
- A complaint counts under the regime recorded for it at intake (`regimes.ComplaintRegime`,
  its category's regime then), from the receipt time recorded there; the `none` regime counts
  the complaints without one (unregulated, or filed before regimes existed). The category and
  root cause are the complaint's as recorded now (the root cause is written when it is
  remedied; "" when none was). A category × root cause with nothing
  to report (e.g. only complaints closed before the period) has no row.
Reads only; imports regimes, compensation and complaints.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db.models import CharField, Count, F, OuterRef, Q, Subquery, Sum, Value
from django.db.models.fields.json import KT
from django.db.models.functions import Coalesce, NullIf
from django.utils.translation import gettext as _

from compensation import money
from compensation.models import CompensationRequest, Nature, Status
from complaints.models import Category, Complaint, Outcome, State, TransitionLog
from core.errors import RuleViolationError
from regimes.clocks import business_days_after
from regimes.models import NONE, Regime

SUMMARY_BUSINESS_DAYS = 3  # DISP 1.5: resolved by the close of the third business day
EIGHT_WEEKS = timedelta(weeks=8)  # DISP 1.6: the final response's limit
FIRST_YEAR, LAST_YEAR = 1900, 2999  # beyond: a typo, and beyond what time zones can convert
MAX_PERIOD_DAYS = 3 * 366  # a return covers a half-year or a year; longer is a typo
UPHELD = (Outcome.UPHELD, Outcome.PARTLY_UPHELD)
CLOSING = (State.REMEDIED, State.LIMIT_SET)
OPEN = (State.VENTING, State.ACKNOWLEDGED, State.APOLOGIZED, State.ESCALATED)


@dataclass
class ReturnRow:
    category: str
    root_cause: str
    opened: int = 0
    closed: int = 0
    outstanding: int = 0
    closed_within_3_business_days: int = 0
    closed_within_8_weeks: int = 0
    closed_after_8_weeks: int = 0
    upheld: int = 0
    # currency → amount
    redress: dict[str, Decimal] = field(default_factory=dict)
    goodwill: dict[str, Decimal] = field(default_factory=dict)

    @property
    def category_label(self) -> str:
        if not self.category:
            return _("All categories")
        return str(Category(self.category).label) if self.category in Category.values else ""

    @property
    def root_cause_label(self) -> str:
        return self.root_cause or _("Not recorded")

    @property
    def upheld_share(self) -> Decimal | None:
        if not self.closed:
            return None
        return (Decimal(self.upheld) / Decimal(self.closed)).quantize(Decimal("0.0001"))

    @property
    def empty(self) -> bool:
        return not (self.opened or self.closed or self.outstanding or self.redress or self.goodwill)

    def add(self, other: ReturnRow) -> None:
        for name in COUNTS:
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for mine, theirs in ((self.redress, other.redress), (self.goodwill, other.goodwill)):
            for currency, amount in theirs.items():
                mine[currency] = mine.get(currency, Decimal(0)) + amount


COUNTS = (
    "opened",
    "closed",
    "outstanding",
    "closed_within_3_business_days",
    "closed_within_8_weeks",
    "closed_after_8_weeks",
    "upheld",
)


@dataclass
class ComplaintsReturn:
    regime: Regime
    date_from: date
    date_to: date
    rows: list[ReturnRow]
    total: ReturnRow


def money_list(amounts: dict[str, Decimal]) -> list[dict[str, str]]:
    """Per-currency sums as `[{"currency", "amount"}]`, by currency, with its decimals."""
    return [
        {"currency": currency, "amount": money.as_text(amount, currency)}
        for currency, amount in sorted(amounts.items())
    ]


def money_cell(amounts: dict[str, Decimal]) -> str:
    """Per-currency sums in one CSV cell: "120.00 EUR; 5.00 GBP" ("" when none)."""
    return "; ".join(money.format_money(amount, c) for c, amount in sorted(amounts.items()))


# --- the return --------------------------------------------------------------------------------


def _period_check(*, date_from: date, date_to: date) -> None:
    for name, day in (("from", date_from), ("to", date_to)):
        if not FIRST_YEAR <= day.year <= LAST_YEAR:
            raise RuleViolationError(
                _("Choose a date between %(first)s and %(last)s.")
                % {"first": FIRST_YEAR, "last": LAST_YEAR},
                fields={
                    name: [
                        _("A year from %(first)s to %(last)s.")
                        % {"first": FIRST_YEAR, "last": LAST_YEAR}
                    ]
                },
            )
    if date_to < date_from:
        raise RuleViolationError(
            _("The period ends before it starts: choose a 'to' date on or after the 'from' date."),
            fields={"to": [_("On or after the 'from' date.")]},
        )
    if (date_to - date_from).days >= MAX_PERIOD_DAYS:
        raise RuleViolationError(
            _("A return covers at most three years: choose a shorter period."),
            fields={"to": [_("At most three years after the 'from' date.")]},
        )


def regime_for_return(*, code: str) -> Regime:
    """The regime of `code`; a RuleViolationError naming `regime` when there is none."""
    regime = Regime.objects.filter(code=code).first()
    if regime is None:
        known = ", ".join(Regime.objects.order_by("code").values_list("code", flat=True))
        raise RuleViolationError(
            _("There is no regime '%(code)s'. Choose one of: %(known)s.")
            % {"code": code, "known": known},
            fields={"regime": [_("An existing regime's code.")]},
        )
    return regime


def complaints_return(*, regime: str, date_from: date, date_to: date) -> ComplaintsReturn:
    """The return of `regime` for `date_from` … `date_to` (see the module docstring)."""
    _period_check(date_from=date_from, date_to=date_to)
    the_regime = regime_for_return(code=regime)
    tz = ZoneInfo(the_regime.time_zone)
    start = datetime.combine(date_from, time.min, tzinfo=tz)
    end = datetime.combine(date_to + timedelta(days=1), time.min, tzinfo=tz)  # exclusive

    # The complaint's last log row before the period's end gives its state then; its last
    # step *into* a closed state (not a later assignment or note logged while closed) gives
    # when it closed and the outcome recorded.
    last = TransitionLog.objects.filter(complaint=OuterRef("pk"), created_at__lt=end).order_by(
        "-created_at", "-id"
    )
    closing = last.filter(to_state__in=CLOSING).exclude(from_state__in=CLOSING)
    if the_regime.code == NONE:  # unregulated: no regime recorded at intake
        covered = Q(regime_record__isnull=True) | Q(regime_record__regime=the_regime)
    else:
        covered = Q(regime_record__regime=the_regime)
    complaints = (
        Complaint.objects.filter(covered)
        .annotate(received_at=Coalesce(F("regime_record__received_at"), F("created_at")))
        .filter(received_at__lt=end)
        .annotate(
            end_state=Subquery(last.values("to_state")[:1]),
            closed_at=Subquery(closing.values("created_at")[:1]),
            # Complaints closed before outcomes were logged: the complaint's own.
            end_outcome=Coalesce(
                NullIf(
                    Subquery(closing.annotate(o=KT("payload__outcome")).values("o")[:1]),
                    Value(""),
                ),
                F("outcome"),
                output_field=CharField(),
            ),
        )
        .filter(Q(end_state__isnull=True) | ~Q(end_state=State.MERGED))
    )
    closed = Q(end_state__in=CLOSING, closed_at__gte=start)
    grouped = (
        complaints.values("category", "root_cause")
        .annotate(
            opened=Count("pk", filter=Q(received_at__gte=start)),
            closed=Count("pk", filter=closed),
            outstanding=Count("pk", filter=Q(end_state__isnull=True) | Q(end_state__in=OPEN)),
            upheld=Count("pk", filter=closed & Q(end_outcome__in=UPHELD)),
        )
        .order_by("category", "root_cause")
    )
    rows: dict[tuple[str, str], ReturnRow] = {}
    for g in grouped:
        key = (g["category"], g["root_cause"])
        rows[key] = ReturnRow(
            category=key[0],
            root_cause=key[1],
            opened=g["opened"],
            closed=g["closed"],
            outstanding=g["outstanding"],
            upheld=g["upheld"],
        )

    closings = complaints.filter(closed).values_list(
        "category", "root_cause", "received_at", "closed_at"
    )
    cutoffs: dict[date, date] = {}
    for category, root_cause, received_at, closed_at in closings:
        received = received_at.astimezone(tz).date()
        closed_on = closed_at.astimezone(tz).date()
        if received not in cutoffs:
            cutoffs[received] = business_days_after(the_regime, received, SUMMARY_BUSINESS_DAYS)
        row = rows[(category, root_cause)]
        if closed_on <= cutoffs[received]:
            row.closed_within_3_business_days += 1
        elif closed_on <= received + EIGHT_WEEKS:
            row.closed_within_8_weeks += 1
        else:
            row.closed_after_8_weeks += 1

    given = (
        CompensationRequest.objects.filter(
            complaint__in=complaints.filter(closed).values("pk"),
        )
        .filter(
            Q(status=Status.GRANTED, created_at__lt=end)
            | Q(status=Status.APPROVED, decided_at__lt=end)
        )
        .values("complaint__category", "complaint__root_cause", "nature", "currency")
        .annotate(total=Sum("amount"))
        .order_by()
    )
    for g in given:
        row = rows[(g["complaint__category"], g["complaint__root_cause"])]
        sums = row.redress if g["nature"] == Nature.REDRESS else row.goodwill
        sums[g["currency"]] = sums.get(g["currency"], Decimal(0)) + g["total"]

    ordered = [rows[k] for k in sorted(rows) if not rows[k].empty]
    total = ReturnRow(category="", root_cause="")
    for row in ordered:
        total.add(row)
    return ComplaintsReturn(
        regime=the_regime, date_from=date_from, date_to=date_to, rows=ordered, total=total
    )


def return_header() -> list[str]:
    """The CSV's and the admin table's column titles, in the active language."""
    return [
        _("Category"),
        _("Root cause"),
        _("Opened"),
        _("Closed"),
        _("Outstanding at period end"),
        _("Closed within 3 business days"),
        _("Closed within 8 weeks"),
        _("Closed after 8 weeks"),
        _("Upheld (incl. partly upheld)"),
        _("Upheld share"),
        _("Redress paid"),
        _("Goodwill paid"),
    ]


def return_cells(row: ReturnRow) -> list[object]:
    share = row.upheld_share
    return [
        row.category_label,
        row.root_cause_label if row.category else "",
        row.opened,
        row.closed,
        row.outstanding,
        row.closed_within_3_business_days,
        row.closed_within_8_weeks,
        row.closed_after_8_weeks,
        row.upheld,
        "" if share is None else f"{share * 100:.1f}%",
        money_cell(row.redress),
        money_cell(row.goodwill),
    ]


def return_table(report: ComplaintsReturn) -> list[list[object]]:
    """The return as table rows (the CSV's and the admin page's), the total last."""
    return [return_cells(row) for row in report.rows] + [return_cells(report.total)]


def _figures_data(row: ReturnRow) -> dict[str, object]:
    share = row.upheld_share
    return {
        **{name: getattr(row, name) for name in COUNTS},
        "upheld_share": None if share is None else float(share),
        "redress": money_list(row.redress),
        "goodwill": money_list(row.goodwill),
    }


def return_data(report: ComplaintsReturn) -> dict[str, object]:
    """The return as the API's JSON (`reports.serializers.ComplaintsReturnOut`)."""
    return {
        "regime": {"code": report.regime.code, "name": report.regime.name},
        "from": report.date_from,
        "to": report.date_to,
        "rows": [
            {
                "category": row.category,
                "category_label": row.category_label,
                "root_cause": row.root_cause,
                **_figures_data(row),
            }
            for row in report.rows
        ],
        "total": _figures_data(report.total),
    }


def return_filename(report: ComplaintsReturn) -> str:
    return f"complaints-return-{report.regime.code}-{report.date_from}-{report.date_to}.csv"
