"""The demo's summary resolution letter: sent on the complaint the regimes demo resolves inside
three business days, at that moment in the past, meeting its FCA clock; its mail counts as
sent back then; loading again sends nothing more."""

from __future__ import annotations

from datetime import timedelta

import pytest

from letters.demo import RESOLVED_FAST, letters_demo_load
from letters.models import Letter
from mail.models import OutboundMail
from regimes.demo import regimes_demo_load
from tests.letters.conftest import clocks

pytestmark = pytest.mark.django_db


def test_the_fast_resolution_gets_its_summary_resolution_letter_once(frontline):
    regimes_demo_load(users={"frontline": frontline})
    assert letters_demo_load(users={"frontline": frontline}) == 1
    letter = Letter.objects.get()
    complaint = letter.complaint
    assert (complaint.external_id, letter.kind, letter.regime) == (
        RESOLVED_FAST,
        "summary_resolution",
        "uk_fca_disp",
    )
    assert letter.sent_at < complaint.created_at + timedelta(days=3)
    assert clocks(complaint)["reg_final_response"] == "met"
    mail = OutboundMail.objects.get(message=letter.message)
    assert mail.status != "pending"  # sent back then, not today
    assert letter.message.attachments.get().content_type == "application/pdf"
    assert letters_demo_load(users={"frontline": frontline}) == 0
