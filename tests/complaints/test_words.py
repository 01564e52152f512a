"""Canned texts (seeded, manager-edited) and the tone endpoint the reply boxes call."""

from __future__ import annotations

import json
import re

import pytest

from complaints import selectors
from complaints.models import CannedKind, CannedText
from complaints.tone import tone_hints

TONE = "/admin/complaints/complaint/tone/"
CANNED = "/admin/complaints/cannedtext/"


@pytest.mark.django_db
def test_defaults_are_seeded_for_every_kind():
    kinds = set(CannedText.objects.filter(active=True).values_list("kind", flat=True))
    assert kinds == set(CannedKind.values)
    for text in CannedText.objects.all():
        assert tone_hints(text.body) == [], text.title  # our own defaults pass the tone check


@pytest.mark.django_db
def test_tone_endpoint_runs_the_same_function(client, frontline):
    client.force_login(frontline)
    text = "That's our policy. You should have read it."
    response = client.post(TONE, {"text": text})
    assert response.status_code == 200
    assert response.json() == {
        "language": "en",
        "hints": [h.as_dict() for h in tone_hints(text)],
    }
    assert len(response.json()["hints"]) == 2
    assert client.post(TONE, {"text": "Thank you, I understand."}).json() == {
        "language": "en",
        "hints": [],
    }


@pytest.mark.django_db
def test_tone_endpoint_is_for_staff(client, integration):
    assert client.post(TONE, {"text": "never"}).status_code == 302  # to the login page
    client.force_login(integration)
    assert client.post(TONE, {"text": "never"}).status_code in (302, 403)


@pytest.mark.django_db
def test_only_managers_edit_canned_texts(client, frontline, manager):
    text = CannedText.objects.first()
    client.force_login(frontline)
    assert client.get(CANNED).status_code == 200
    change = f"{CANNED}{text.pk}/change/"
    client.post(
        change,
        {"kind": text.kind, "language": "en", "title": "Hacked", "body": "x", "position": 0},
    )
    text.refresh_from_db()
    assert text.title != "Hacked"
    assert client.get(f"{CANNED}add/").status_code == 403

    client.force_login(manager)
    response = client.post(
        change,
        {
            "kind": text.kind,
            "language": text.language,
            "title": "Edited",
            "body": "Kind words.",
            "position": 1,
        },
    )
    assert response.status_code == 302
    text.refresh_from_db()
    assert (text.title, text.body, text.active) == ("Edited", "Kind words.", False)
    response = client.post(
        f"{CANNED}add/",
        {
            "kind": "empathy",
            "language": "en",
            "title": "New",
            "body": "I hear you.",
            "active": "on",
            "position": 0,
        },
    )
    assert response.status_code == 302 and CannedText.objects.filter(title="New").exists()


@pytest.mark.django_db
def test_reply_boxes_get_the_picker_and_the_tone_hint(client, frontline, walk):
    complaint = walk("venting")
    client.force_login(frontline)
    for url in (
        f"/admin/complaints/complaint/{complaint.pk}/change/",
        f"/admin/complaints/complaint/{complaint.pk}/do/acknowledge/",
    ):
        page = client.get(url).content.decode()
        assert 'id="redress-words"' in page and "complaints/words.js" in page
        assert f'data-tone-url="{TONE}"' in page
        start = page.index('id="redress-canned"')
        payload = page[page.index(">", start) + 1 : page.index("</script>", start)]
        assert {t["kind"] for t in json.loads(payload)} == set(CannedKind.values)
    assert 'data-prefer="empathy"' in page


@pytest.mark.django_db
def test_reply_boxes_speak_the_customers_language(client, frontline, walk):
    """The reply is mailed in the customer's language, so its canned texts come first and the
    tone hint assumes it; a customer without one gets the agent's own language."""
    complaint = walk("venting")
    client.force_login(frontline)
    url = f"/admin/complaints/complaint/{complaint.pk}/do/acknowledge/"
    assert 'data-language="en"' in client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    complaint.customer.language = "th"
    complaint.customer.save(update_fields=["language"])
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'data-language="th"' in page
    start = page.index('id="redress-canned"')
    texts = json.loads(page[page.index(">", start) + 1 : page.index("</script>", start)])
    assert texts[0]["language"] == "th"


@pytest.mark.django_db
def test_every_seeded_text_uses_known_placeholders_and_fills_completely(frontline, walk):
    complaint = walk("acknowledged")
    values = selectors.canned_values(complaint=complaint, user=frontline)
    assert all(values.values())  # a walked complaint has a name, a reference, a promise, an agent
    seeded = list(CannedText.objects.all())
    assert {t.language for t in seeded} == {"en", "zh-hans", "zh-hant", "th", "bg"}
    for text in seeded:
        used = set(re.findall(r"\{(\w*)\}", text.body))
        assert used, f"{text.language} {text.title}: no placeholder"
        assert used <= set(selectors.CANNED_PLACEHOLDERS), (text.title, used)
        filled = selectors.canned_fill(text.body, values=values)
        assert "{" not in filled and "}" not in filled, text.title
        assert complaint.customer.name in filled or values["agent_name"] in filled
