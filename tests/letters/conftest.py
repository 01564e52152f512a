"""Letters' fixtures: complaints in the "Current account" category, which the seeded regimes put
under the FCA regime (its clocks started at intake), remedied with redress and goodwill."""

from __future__ import annotations

from compensation import services as compensation_services
from escalation.models import Deadline
from tests.factories import complaint_in

FCA = "current_account"  # under uk_fca_disp (regimes' seed migration)
FOS = "Financial Ombudsman Service"
FOS_SITE = "https://www.financial-ombudsman.org.uk/"


def remedied(actor, *, outcome="partly_upheld", reason="The card was charged twice.", category=FCA):
    """A complaint remedied with a refund (redress) and a voucher (goodwill)."""
    c = complaint_in("apologized", category=category)
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


def clocks(complaint) -> dict[str, str]:
    """The complaint's legal clocks: kind → status."""
    return dict(
        Deadline.objects.filter(complaint=complaint, kind__startswith="reg_").values_list(
            "kind", "status"
        )
    )
