"""Letters' fixtures: a complaint under the FCA regime, remedied with redress and goodwill."""

from __future__ import annotations

import pytest

from compensation import services as compensation_services
from letters import regime_facts
from tests.factories import complaint_in

FOS = "Financial Ombudsman Service"
FOS_SITE = "https://www.financial-ombudsman.org.uk"


@pytest.fixture
def fca(monkeypatch):
    """Complaints fall under the FCA regime; the clock stops it is asked for are recorded."""
    stops: list[tuple[int, str]] = []
    facts = regime_facts.RegimeFacts(
        code="uk_fca_disp",
        name="UK FCA DISP",
        ombudsman_name=FOS,
        ombudsman_website=FOS_SITE,
    )
    monkeypatch.setattr(regime_facts, "complaint_regime", lambda *, complaint: facts)
    monkeypatch.setattr(
        regime_facts,
        "regime_clock_stop",
        lambda *, complaint, event: stops.append((complaint.pk, event)),
    )
    return stops


def remedied(actor, *, outcome="partly_upheld", reason="The card was charged twice."):
    """A complaint remedied with a refund (redress) and a voucher (goodwill)."""
    c = complaint_in("apologized")
    done = compensation_services.complaint_remedy_with_compensation(
        complaint_id=c.pk,
        actor=actor,
        message="We refund the second charge.",
        root_cause="Duplicate capture",
        outcome=outcome,
        outcome_reason=reason,
        items=[
            {"kind": "refund", "amount": "20.00", "currency": "EUR"},
            {"kind": "voucher", "amount": "5.00", "currency": "EUR"},
        ],
    )
    return done.complaint
