"""The reply box's tone endpoint in every language, and canned texts in the user's language."""

from __future__ import annotations

import json

import pytest

from complaints import selectors
from complaints.models import CannedKind, CannedText, ReplyLanguage
from complaints.tone import tone_check

TONE = "/admin/complaints/complaint/tone/"


@pytest.mark.django_db
def test_a_chinese_reply_gets_chinese_hints(client, frontline):
    client.force_login(frontline)
    text = "这是公司规定，您应该先看说明书。请冷静一下。"
    response = client.post(TONE, {"text": text})
    assert response.status_code == 200
    body = response.json()
    assert body == tone_check(text).as_dict()
    assert body["language"] == "zh-hans"
    assert [(h["kind"], h["phrase"]) for h in body["hints"]] == [
        ("policy", "这是公司规定"),
        ("blame", "您应该"),
        ("dismissing", "请冷静一下"),
    ]
    for hint in body["hints"]:
        assert hint["language"] == "zh-hans"
        assert not any("a" <= ch.lower() <= "z" for ch in hint["message"] + hint["suggestion"])
        assert text[hint["start"] : hint["end"]] == hint["phrase"]


@pytest.mark.django_db
def test_the_language_hint_decides_only_what_the_text_cannot(client, frontline):
    client.force_login(frontline)
    shared = client.post(TONE, {"text": "不可能", "language": "zh-hant"}).json()
    assert shared["language"] == "zh-hant" and shared["hints"][0]["language"] == "zh-hant"
    clear = client.post(TONE, {"text": "Успокойте се.", "language": "zh-hant"}).json()
    assert clear["language"] == "bg" and clear["hints"][0]["kind"] == "dismissing"
    junk = client.post(TONE, {"text": "ใจเย็นๆนะคะ", "language": "x" * 500})
    assert junk.status_code == 200 and junk.json()["language"] == "th"
    assert client.get(TONE, {"text": "Никога!"}).json()["hints"][0]["phrase"] == "Никога"


@pytest.mark.django_db
def test_without_a_hint_the_users_language_is_the_hint(client, frontline):
    client.force_login(frontline)
    response = client.post(TONE, {"text": "不可能"}, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.json()["language"] == "zh-hans"
    assert client.post(TONE, {"text": "123"}, HTTP_ACCEPT_LANGUAGE="en").json()["language"] == "en"


@pytest.mark.django_db
def test_canned_texts_exist_in_every_language_and_pass_their_own_tone_check():
    for language in ReplyLanguage.values:
        texts = CannedText.objects.filter(language=language, active=True)
        assert set(texts.values_list("kind", flat=True)) == set(CannedKind.values), language
        for text in texts:
            check = tone_check(text.body, language=language)
            assert check.language == language, text.title
            assert check.hints == [], text.title


@pytest.mark.django_db
def test_canned_texts_of_the_users_language_come_first():
    texts = selectors.canned_texts(language="zh-hans")
    languages = [t["language"] for t in texts]
    mine = languages.count("zh-hans")
    assert mine and languages[:mine] == ["zh-hans"] * mine
    assert set(languages) == set(ReplyLanguage.values)  # the others are still offered
    assert texts[0]["language_label"] == "简体中文"
    assert [t["language"] for t in selectors.canned_texts(language="zh-TW")][0] == "zh-hant"
    assert selectors.canned_texts(language="")[0]["kind"] == texts[0]["kind"]


@pytest.mark.django_db
def test_the_reply_box_offers_the_users_language_first(client, frontline, walk):
    complaint = walk("venting")
    client.force_login(frontline)
    page = client.get(
        f"/admin/complaints/complaint/{complaint.pk}/do/acknowledge/",
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    ).content.decode()
    assert 'data-language="zh-hans"' in page
    start = page.index('id="redress-canned"')
    canned = json.loads(page[page.index(">", start) + 1 : page.index("</script>", start)])
    assert canned[0]["language"] == "zh-hans"
