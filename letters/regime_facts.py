"""The regime a complaint falls under, as the letters read it: code, name, ombudsman, and when
its final response is due (the running clock). The one place letters reads the regimes app.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from complaints.models import Complaint

NONE = "none"


@dataclass(frozen=True)
class RegimeFacts:
    code: str = NONE
    name: str = ""
    ombudsman_name: str = ""
    ombudsman_website: str = ""
    final_due: datetime | None = None


def complaint_regime(*, complaint: Complaint) -> RegimeFacts:
    """The regime of `complaint` (the `none` regime when it is not regulated)."""
    return RegimeFacts()


def regime_clock_stop(*, complaint: Complaint, event: str) -> None:
    """Meet the clocks of `complaint` that `event` stops (in the caller's transaction)."""
    return None
