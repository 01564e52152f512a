"""A complaint that arrives by mail states no request: what the customer asks for stays "not
stated" for staff to fill in at triage (the words are never guessed from the text)."""

import pytest

from complaints.models import Complaint
from mail.inbound import mail_ingest
from tests.mail.inbound_eml import eml

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.MAIL_FROM = "Redress care <care@shop.example>"


def test_a_new_complaint_from_mail_has_no_stated_request():
    raw = eml(body="No opener in the box. I want a refund, or a new opener.")
    result = mail_ingest(raw=raw, source="test")
    assert result.outcome == "complaint"
    complaint = Complaint.objects.get(pk=result.complaint_id)
    assert (complaint.customer_request, complaint.customer_request_detail) == ("", "")
    assert complaint.outcome == ""
