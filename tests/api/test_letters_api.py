"""`POST /complaints/{id}/letters/`: a letter sent (201, its PDF downloadable), refused with one
422 in the error shape naming each missing item (nothing written), staff only."""

from __future__ import annotations

import pytest

from complaints.models import Message
from letters.models import Letter
from tests.factories import complaint_in
from tests.letters.conftest import FCA, remedied

pytestmark = pytest.mark.django_db


def test_a_final_response_over_the_api(api_as, frontline):
    c = remedied(frontline)
    agent = api_as(frontline)
    sent = agent.post(f"/complaints/{c.pk}/letters/", {"kind": "final_response"})
    assert sent.status_code == 201, sent.data
    assert (sent.data["kind"], sent.data["regime"], sent.data["source"]) == (
        "final_response",
        "uk_fca_disp",
        "standard",
    )
    assert "waiver" in sent.data["checked"]
    (pdf,) = sent.data["attachments"]
    assert pdf["content_type"] == "application/pdf"
    download = agent.client.get(pdf["url"], headers=agent.headers)
    assert download.status_code == 200
    assert (
        b"".join(download.streaming_content if download.streaming else [download.content])[:5]
        == b"%PDF-"
    )


def test_missing_content_is_a_422_naming_each_item_and_writes_nothing(api_as, frontline):
    c = complaint_in("apologized", category=FCA)
    messages = Message.objects.count()
    refused = api_as(frontline).post(
        f"/complaints/{c.pk}/letters/", {"kind": "final_response", "body": "We are sorry."}
    )
    assert refused.status_code == 422, refused.data
    assert set(refused.data) == {"code", "message", "fields"}
    assert refused.data["code"] == "rule_violated"
    assert list(refused.data["fields"]) == [
        "outcome",
        "reasons",
        "ombudsman_name",
        "ombudsman_website",
        "referral_right",
        "waiver",
    ]
    assert Message.objects.count() == messages and not Letter.objects.exists()


def test_body_and_template_together_are_a_400(api_as, frontline):
    c = complaint_in("acknowledged")
    both = api_as(frontline).post(
        f"/complaints/{c.pk}/letters/", {"kind": "acknowledgement", "body": "x", "template": 1}
    )
    assert both.status_code == 400 and "template" in both.data["fields"]


def test_an_integration_may_not_send_letters(api_as, integration):
    c = complaint_in("acknowledged")
    refused = api_as(integration).post(f"/complaints/{c.pk}/letters/", {"kind": "acknowledgement"})
    assert refused.status_code == 403


def test_an_unknown_template_is_a_400(api_as, frontline):
    c = complaint_in("acknowledged")
    refused = api_as(frontline).post(
        f"/complaints/{c.pk}/letters/", {"kind": "acknowledgement", "template": 999}
    )
    assert refused.status_code == 400 and "template" in refused.data["fields"]
