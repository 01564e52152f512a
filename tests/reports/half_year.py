"""The return's fixture: complaints of the FCA's "Current account" category filed and worked
through the real services at moments of the second half of 2026 (the demo's clock), each with
the figures it should add up to, worked out by hand in `EXPECTED`.

England's 2026 holidays that matter: Mon 31 Aug, Fri 25 Dec and Mon 28 Dec (Boxing Day moved).
The period: 1 Jul – 31 Dec 2026, regime uk_fca_disp (Europe/London).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from compensation import services as compensation
from compensation.management.demo_history import demo_clock
from complaints import services
from tests.factories import UserFactory, complaint_new

LONDON = ZoneInfo("Europe/London")
ACCOUNT = "current_account"


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=LONDON)


class Walker:
    def __init__(self) -> None:
        self.fl = UserFactory(username="ret-fl", groups=["frontline"])
        self.mgr = UserFactory(username="ret-mgr", groups=["manager"])

    def file(self, when: str, *, category: str = ACCOUNT, email: str = "") -> int:
        """Filed at `when` and acknowledged a minute later, as a desk does."""
        with demo_clock(at(when)):
            extra = {"customer_email": email} if email else {}
            cid = complaint_new(category=category, **extra).pk
        with demo_clock(at(when) + timedelta(minutes=1)):
            services.complaint_acknowledge(
                complaint_id=cid,
                actor=self.fl,
                summary="Card refused",
                message="I understand.",
                promised_by=at(when) + timedelta(hours=1),
            )
        return cid

    def apologise(self, cid: int, when: str) -> None:
        with demo_clock(at(when)):
            services.complaint_apologize(
                complaint_id=cid, actor=self.fl, message="Sorry.", fault="company"
            )

    def remedy(
        self, cid: int, when: str, *, outcome: str, root_cause: str, items=(), reason: str = ""
    ):
        self.apologise(cid, when)
        with demo_clock(at(when) + timedelta(minutes=5)):
            return compensation.complaint_remedy_with_compensation(
                complaint_id=cid,
                actor=self.fl,
                message="Put right.",
                root_cause=root_cause,
                outcome=outcome,
                outcome_reason=reason,
                items=list(items),
            )

    def approve_all(self, result, when: str) -> None:
        with demo_clock(at(when)):
            compensation.compensation_approve(request_id=result.requests[0].pk, actor=self.mgr)

    def set_limits(self, cid: int, when: str) -> None:
        with demo_clock(at(when)):
            services.complaint_set_limits(
                complaint_id=cid,
                actor=self.fl,
                reason="Abuse",
                message="We end this here.",
                outcome="not_upheld",
                outcome_reason="Nothing went wrong on our side.",
            )

    def assign(self, cid: int, when: str) -> None:
        with demo_clock(at(when)):
            services.complaint_assign(complaint_id=cid, actor=self.mgr, assignee=self.fl)

    def reopen(self, cid: int, when: str) -> None:
        with demo_clock(at(when)):
            services.complaint_reopen(complaint_id=cid, actor=self.fl, message="Not fixed.")

    def merge(self, cid: int, into: int, when: str) -> None:
        with demo_clock(at(when)):
            services.complaint_merge(complaint_id=cid, into_id=into, actor=self.fl)


DECLINED = "Card declined"


def walk_the_half_year(w: Walker) -> dict[str, int]:
    ids = {}
    # A: Thu 27 Aug, closed Wed 2 Sep: the third business day after, because Mon 31 Aug is a
    # bank holiday (without it the third would be Tue 1 Sep). Upheld; 40 EUR refund (redress)
    # and a 10 EUR voucher (goodwill), both granted on the spot.
    ids["A"] = w.file("2026-08-27T10:00")
    w.remedy(
        ids["A"],
        "2026-09-02T16:00",
        outcome="upheld",
        root_cause=DECLINED,
        items=[
            {"kind": "refund", "amount": "40"},
            {"kind": "voucher", "amount": "10", "nature": "goodwill"},
        ],
    )
    # B: Fri 10 Jul, partly upheld on 20 Aug (41 days: within eight weeks); a 400 EUR refund
    # above frontline authority, approved by a manager on 21 Aug.
    ids["B"] = w.file("2026-07-10T09:00")
    pending = w.remedy(
        ids["B"],
        "2026-08-20T11:00",
        outcome="partly_upheld",
        reason="The fee stands.",
        root_cause=DECLINED,
        items=[{"kind": "refund", "amount": "400"}],
    )
    w.approve_all(pending, "2026-08-21T09:00")
    # I: Mon 2 Nov, remedied Tue 3 Nov (within three business days), upheld; reopened in 2027,
    # after the period (which clears its outcome on the complaint, not in the return).
    ids["I"] = w.file("2026-11-02T09:00")
    w.remedy(ids["I"], "2026-11-03T09:00", outcome="upheld", root_cause=DECLINED)
    w.reopen(ids["I"], "2027-01-10T09:00")
    # C: 1 Jul, limits set on 15 Sep (76 days: after eight weeks), not upheld, no root cause.
    ids["C"] = w.file("2026-07-01T09:00", email="c@example.com")
    w.set_limits(ids["C"], "2026-09-15T09:00")
    # D: 20 Jun (before the period), still open at its end: outstanding, not opened.
    ids["D"] = w.file("2026-06-20T09:00", email="d@example.com")
    # G: a duplicate of D filed 1 Aug and merged into it on 2 Aug: left out.
    ids["G"] = w.file("2026-08-01T09:00", email="d@example.com")
    w.merge(ids["G"], ids["D"], "2026-08-02T09:00")
    # E: Sun 20 Dec, open at the period's end, remedied (root cause "Fees") on 5 Jan 2027:
    # opened and outstanding, under its root cause as recorded now.
    ids["E"] = w.file("2026-12-20T09:00")
    w.remedy(ids["E"], "2027-01-05T09:00", outcome="upheld", root_cause="Fees")
    # F: May to June, before the period: nothing, and no row for its root cause, though a
    # lead assigns it (a logged step, not a closing) on 15 Jul.
    ids["F"] = w.file("2026-05-01T09:00")
    w.remedy(ids["F"], "2026-06-01T09:00", outcome="upheld", root_cause="Statement")
    w.assign(ids["F"], "2026-07-15T09:00")
    # H: billing is under no regime: not in the FCA return.
    ids["H"] = w.file("2026-08-03T09:00", category="billing")
    w.remedy(ids["H"], "2026-08-04T09:00", outcome="upheld", root_cause=DECLINED)
    return ids


# (category, root cause): opened, closed, outstanding, ≤3 business days, ≤8 weeks, >8 weeks,
# upheld, upheld share, redress, goodwill
EXPECTED = {
    (ACCOUNT, ""): (1, 1, 1, 0, 0, 1, 0, Decimal("0"), {}, {}),  # C, D
    (ACCOUNT, DECLINED): (  # A, B, I
        3,
        3,
        0,
        2,
        1,
        0,
        3,
        Decimal("1"),
        {"EUR": Decimal("440")},
        {"EUR": Decimal("10")},
    ),
    (ACCOUNT, "Fees"): (1, 0, 1, 0, 0, 0, 0, None, {}, {}),  # E
}
TOTAL = (5, 4, 2, 2, 1, 1, 3, Decimal("0.75"), {"EUR": Decimal("440")}, {"EUR": Decimal("10")})
