"""The staff screens in Simplified Chinese: the committed catalog is complete and in use."""

from __future__ import annotations

import ast
import gettext
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from complaints.models import State

LOCALE = Path(settings.BASE_DIR) / "locale" / "zh_Hans" / "LC_MESSAGES"


def po_entries() -> dict[tuple[str, str], str]:
    """(msgctxt, msgid) -> msgstr (first plural form) from the .po, without gettext tooling."""
    text = (LOCALE / "django.po").read_text(encoding="utf-8")
    entries = {}
    pattern = re.compile(
        r'^(?:msgctxt ((?:".*"\n)+))?msgid ((?:".*"\n)+)(?:msgid_plural (?:".*"\n)+)?'
        r'msgstr(?:\[0\])? ((?:".*"\n?)+)',
        re.M,
    )
    for match in pattern.finditer(text):
        join = lambda block: "".join(  # noqa: E731
            ast.literal_eval(line) for line in (block or "").strip().splitlines()
        )
        entries[(join(match.group(1)), join(match.group(2)))] = join(match.group(3))
    entries.pop(("", ""), None)  # the header
    return entries


def test_languages_are_english_and_simplified_chinese():
    assert [code for code, _name in settings.LANGUAGES] == ["en", "zh-hans"]


def test_every_string_is_translated_and_the_mo_matches_the_po():
    entries = po_entries()
    assert len(entries) > 100
    assert [msgid for msgid, msgstr in entries.items() if not msgstr] == []
    with (LOCALE / "django.mo").open("rb") as handle:
        catalog = gettext.GNUTranslations(handle)
    for (context, msgid), msgstr in entries.items():
        if context:
            assert catalog.pgettext(context, msgid) == msgstr, (context, msgid)
            continue
        assert catalog.gettext(msgid) == msgstr or catalog.ngettext(msgid, "x", 1) == msgstr, msgid


def test_activating_zh_hans_translates():
    with translation.override("zh-hans"):
        assert _("Acknowledge") == "确认受理"
        assert str(State.VENTING.label) == "倾诉中"
    with translation.override("en"):
        assert _("Acknowledge") == "Acknowledge"


@pytest.mark.django_db
def test_pages_follow_the_browsers_language(client, frontline, walk):
    complaint = walk("acknowledged")
    client.force_login(frontline)
    zh = {"HTTP_ACCEPT_LANGUAGE": "zh-Hans,zh;q=0.9"}
    queue = client.get("/admin/complaints/complaint/", **zh).content.decode()
    assert "剩余时间" in queue and "我和我团队的" in queue
    page = client.get(f"/admin/complaints/complaint/{complaint.pk}/change/", **zh)
    html = page.content.decode()
    assert "时间线" in html and "致歉" in html  # timeline heading, the Apologize button
    assert "确认受理: 倾诉中 → 已确认受理" in html  # the workflow step, in the timeline
    english = client.get(f"/admin/complaints/complaint/{complaint.pk}/change/").content.decode()
    assert "Timeline" in english and "时间线" not in english
