"""The complaints return's figures against the hand-worked half year (`conftest.EXPECTED`), its
business-day calendar, its parameters, and a query count that does not grow with complaints."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.errors import RuleViolationError
from regimes.clocks import business_days_after
from regimes.models import Regime
from reports import selectors
from tests.reports.half_year import EXPECTED, TOTAL, Walker, walk_the_half_year


@pytest.fixture
def half_year(db):
    return walk_the_half_year(Walker())


H2 = {"regime": "uk_fca_disp", "date_from": date(2026, 7, 1), "date_to": date(2026, 12, 31)}


def figures(row):
    return (
        row.opened,
        row.closed,
        row.outstanding,
        row.closed_within_3_business_days,
        row.closed_within_8_weeks,
        row.closed_after_8_weeks,
        row.upheld,
        row.upheld_share,
        row.redress,
        row.goodwill,
    )


def test_the_half_year_return_is_the_hand_worked_one(half_year):
    report = selectors.complaints_return(**H2)
    assert {(r.category, r.root_cause): figures(r) for r in report.rows} == EXPECTED
    assert figures(report.total) == TOTAL
    assert [(r.category, r.root_cause) for r in report.rows] == sorted(EXPECTED)


def test_a_return_for_the_first_half_sees_only_what_stood_then(half_year):
    report = selectors.complaints_return(
        regime="uk_fca_disp", date_from=date(2026, 1, 1), date_to=date(2026, 6, 30)
    )
    # D filed 20 Jun, still open; F filed 1 May, closed 1 Jun within eight weeks, upheld.
    rows = {(r.category, r.root_cause): figures(r) for r in report.rows}
    assert rows == {
        ("current_account", ""): (1, 0, 1, 0, 0, 0, 0, None, {}, {}),
        ("current_account", "Statement"): (1, 1, 0, 0, 1, 0, 1, 1, {}, {}),
    }


def test_the_none_regime_covers_the_categories_no_regime_has(half_year):
    report = selectors.complaints_return(
        regime="none", date_from=date(2026, 7, 1), date_to=date(2026, 12, 31)
    )
    assert [(r.category, r.root_cause, r.closed_within_3_business_days) for r in report.rows] == [
        ("billing", "Card declined", 1)
    ]


@pytest.mark.django_db
def test_business_days_skip_weekends_and_the_regimes_holidays():
    # The calendar the return's three-day bucket counts with (regimes.clocks).
    fca = Regime.objects.get(code="uk_fca_disp")
    assert business_days_after(fca, date(2026, 8, 27), 3) == date(2026, 9, 2)  # 31 Aug off
    assert business_days_after(fca, date(2026, 12, 23), 3) == date(2026, 12, 30)  # 25, 28 off
    assert business_days_after(fca, date(2026, 12, 19), 1) == date(2026, 12, 21)  # a Saturday
    psd2 = Regime.objects.get(code="eu_psd2")  # Germany: 31 Aug is a working day
    assert business_days_after(psd2, date(2026, 8, 27), 3) == date(2026, 9, 1)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"regime": "nope"}, "regime"),
        ({"date_from": date(2026, 7, 2), "date_to": date(2026, 7, 1)}, "to"),
        ({"date_from": date(2020, 1, 1), "date_to": date(2026, 1, 1)}, "to"),
    ],
)
def test_bad_parameters_are_refused_naming_the_field(params, field):
    with pytest.raises(RuleViolationError) as refused:
        selectors.complaints_return(**{**H2, **params})
    assert field in refused.value.fields


def queries() -> int:
    with CaptureQueriesContext(connection) as ctx:
        selectors.complaints_return(**H2)
    return len(ctx.captured_queries)


@pytest.mark.django_db
def test_the_query_count_does_not_grow_with_complaints():
    w = Walker()
    for i in range(2):
        cid = w.file(f"2026-07-0{i + 1}T09:00")
        w.remedy(cid, "2026-07-20T09:00", outcome="upheld", root_cause=f"Cause {i}")
    few = queries()
    for i in range(8):
        cid = w.file(f"2026-08-0{i + 1}T09:00")
        w.remedy(
            cid,
            "2026-08-20T09:00",
            outcome="upheld",
            root_cause=f"Cause {i}",
            items=[{"kind": "refund", "amount": "5"}],
        )
    assert queries() == few == 4  # the regime, the counts, the closings, the sums
