"""Tone hints in every staff language: harsh phrases found in the reply's own language, with a
softer suggestion in that language; polite text left alone; Chinese and Thai found without
spaces; Thai only on word boundaries; the reply's language detected, the hint used only where
the text cannot tell."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from complaints.tone import (
    BLAME,
    CATEGORICAL,
    DISMISSING,
    POLICY,
    tone_check,
    tone_hints,
    tone_warm_up,
)
from complaints.tone.language import (
    chinese_variant,
    normalize_language,
    reply_languages,
)
from complaints.tone.rules import rule_sets

HAN = re.compile(r"[\u4e00-\u9fff]")
THAI = re.compile(r"[\u0e00-\u0e7f]")
CYRILLIC = re.compile(r"[\u0400-\u04ff]")
SIMPLIFIED_ONLY = set("这应该规绝对们说话发门从总办为们过让")
TRADITIONAL_ONLY = set("這應該規絕對們說話發門從總辦為們過讓")


@pytest.fixture(autouse=True, scope="module")
def _loaded():
    tone_warm_up()


def flagged(text: str, language: str | None = None) -> list[tuple[str, str]]:
    return [(h.kind, h.phrase) for h in tone_hints(text, language=language)]


HARSH = [
    # Simplified Chinese, no spaces anywhere
    ("zh-hans", "这是公司规定，我们不能退款。", [(POLICY, "这是公司规定")]),
    ("zh-hans", "您应该先看说明书。", [(BLAME, "您应该")]),
    ("zh-hans", "这不可能。", [(CATEGORICAL, "不可能")]),
    ("zh-hans", "我们绝对不会退款。", [(CATEGORICAL, "绝对不会")]),
    ("zh-hans", "请您冷静一下。", [(DISMISSING, "您冷静一下")]),
    ("zh-hans", "这没什么大不了的。", [(DISMISSING, "没什么大不了")]),
    ("zh-hans", "我已经说过了，包裹已经寄出。", [(BLAME, "我已经说过")]),
    ("zh-hans", "这不归我管。", [(POLICY, "这不归我管")]),
    # Traditional Chinese, its own characters and phrasing
    ("zh-hant", "這是公司規定，我們不能退款。", [(POLICY, "這是公司規定")]),
    ("zh-hant", "你應該先看說明書。", [(BLAME, "你應該")]),
    ("zh-hant", "我們絕對不會退款。", [(CATEGORICAL, "絕對不會")]),
    ("zh-hant", "請冷靜一下。", [(DISMISSING, "請冷靜一下")]),
    ("zh-hant", "是您自己的錯。", [(BLAME, "是您自己的錯")]),
    # Thai, unspaced
    ("th", "ใจเย็นๆก่อนนะคะ", [(DISMISSING, "ใจเย็นๆ")]),
    ("th", "ใจเย็น ๆ ค่ะ", [(DISMISSING, "ใจเย็น ๆ")]),
    ("th", "ใจเย็นนะครับ", [(DISMISSING, "ใจเย็นนะครับ")]),
    ("th", "อันนี้เป็นนโยบายบริษัทค่ะ", [(POLICY, "อันนี้เป็นนโยบายบริษัท")]),
    ("th", "คุณต้องส่งเอกสารมาเองค่ะ", [(BLAME, "คุณต้อง")]),
    ("th", "เปลี่ยนสินค้าไม่ได้แน่นอนครับ", [(CATEGORICAL, "ไม่ได้แน่นอน")]),
    ("th", "เรื่องนี้เป็นไปไม่ได้ครับ", [(CATEGORICAL, "เป็นไปไม่ได้")]),
    ("th", "อย่าโกรธเลยนะคะ", [(DISMISSING, "อย่าโกรธ")]),
    # Bulgarian, case-insensitive, on Cyrillic word boundaries
    ("bg", "Успокойте се, моля.", [(DISMISSING, "Успокойте се")]),
    (
        "bg",
        "Такава е политиката на фирмата.",
        [(POLICY, "Такава е политиката на фирмата")],
    ),
    ("bg", "Вие трябваше да прочетете условията.", [(BLAME, "Вие трябваше да")]),
    ("bg", "Това е невъзможно.", [(CATEGORICAL, "невъзможно")]),
    ("bg", "НИКОГА не сме губили пратка.", [(CATEGORICAL, "НИКОГА")]),
    ("bg", "Както вече ви казах, пратката е изпратена.", [(BLAME, "Както вече ви казах")]),
]


@pytest.mark.parametrize("language, text, expected", HARSH)
def test_harsh_phrases_get_a_hint_in_their_language(language, text, expected):
    check = tone_check(text)
    assert check.language == language
    assert [(h.kind, h.phrase) for h in check.hints] == expected
    messages = rule_sets()[language].messages
    for hint in check.hints:
        assert hint.language == language
        assert hint.message == messages[hint.kind]
        assert text[hint.start : hint.end] == hint.phrase
        written = hint.suggestion + hint.message
        if language == "zh-hans":
            assert HAN.search(written) and not set(written) & (TRADITIONAL_ONLY - SIMPLIFIED_ONLY)
        elif language == "zh-hant":
            assert HAN.search(written) and not set(written) & (SIMPLIFIED_ONLY - TRADITIONAL_ONLY)
        elif language == "th":
            assert THAI.search(hint.suggestion) and THAI.search(hint.message)
        elif language == "bg":
            assert CYRILLIC.search(hint.suggestion) and CYRILLIC.search(hint.message)


@pytest.mark.parametrize(
    "text",
    [
        "我理解这件事让您很困扰，谢谢您告诉我们。我们今天就用快递为您补寄开椰器。",
        "非常抱歉，这是我们的失误。我们通常会在两天内发货。",
        "我能體會這件事讓您很困擾。我們今天就以快遞為您補寄開椰器。",
        "เข้าใจเลยค่ะว่าเรื่องนี้ทำให้ลำบากใจมาก เราจะส่งที่เปิดมะพร้าวให้ภายในวันนี้ค่ะ",
        "คุณต้องการให้เราส่งสินค้าใหม่ไหมคะ",
        "ขอบคุณที่ใจเย็นรอเรานะคะ",  # thanks for waiting patiently: praise, not "calm down"
        "Разбирам колко неприятно е това. Днес Ви изпращаме отварачка с експресна доставка.",
        "Разбирам, че невъзможността да отворите кокосите е неприятна.",
    ],
)
def test_polite_replies_get_no_hint(text):
    assert tone_hints(text) == []


def test_thai_phrase_found_inside_a_long_unspaced_sentence():
    text = "ขอบคุณที่แจ้งมาค่ะแต่ตอนนี้คุณต้องรอไปก่อนเพราะเป็นนโยบายบริษัทค่ะ"
    assert " " not in text
    assert flagged(text) == [(BLAME, "คุณต้อง"), (POLICY, "เป็นนโยบายบริษัท")]


@pytest.mark.parametrize(
    "text, inside",
    [
        # "คุณต้อง" (you must) is the start of "คุณต้องการ" (would you like): one word.
        ("คุณต้องการให้เราส่งของใหม่ไหมคะ", "คุณต้อง"),
        # "คุณผิด" (you are wrong) is the start of "คุณผิดหวัง" (you are disappointed).
        ("เข้าใจค่ะว่าคุณผิดหวังมาก", "คุณผิด"),
        # "เสมอ" (always) is the start of "เสมอภาค" (equal).
        ("เราดูแลลูกค้าทุกคนอย่างเสมอภาค", "เสมอ"),
    ],
)
def test_no_thai_hint_where_the_phrase_crosses_a_word_boundary(text, inside):
    assert inside in text  # as a plain substring it is there ...
    assert tone_hints(text) == []  # ... but not as words


def test_chinese_found_without_spaces_or_word_boundaries():
    text = "您好我们查过了这是公司规定所以不可能退款您应该早点联系我们"
    assert flagged(text) == [
        (POLICY, "这是公司规定"),
        (CATEGORICAL, "不可能"),
        (BLAME, "您应该"),
    ]


def test_bulgarian_word_boundaries_are_cyrillic_aware():
    # Python's re is Unicode-aware for str patterns: Cyrillic letters are word characters.
    assert re.search(r"\bникога\b", "Никога!", re.IGNORECASE)
    assert not re.search(r"\bнево\b", "невъзможно")
    assert flagged("Никога, никога!") == [(CATEGORICAL, "Никога"), (CATEGORICAL, "никога")]
    assert flagged("невъзможността") == []  # "невъзможно" + "стта": one word
    assert flagged("Доникогашна") == []


def test_an_english_word_beside_chinese_is_still_a_word():
    assert flagged("这个never会发生") == [(CATEGORICAL, "never")]
    assert flagged("nevermore") == []


def test_mixed_texts_run_the_rules_of_every_language_in_them():
    check = tone_check("Успокойте се, please calm down.")
    assert [(h.kind, h.phrase, h.language) for h in check.hints] == [
        (DISMISSING, "Успокойте се", "bg"),
        (DISMISSING, "calm down", "en"),
    ]
    # lingua reads this as one Chinese segment; the English rules run all the same.
    check = tone_check("这是公司规定, sorry, that's our policy")
    assert check.language == "zh-hans"
    assert [(h.phrase, h.language) for h in check.hints] == [
        ("这是公司规定", "zh-hans"),
        ("that's our policy", "en"),
    ]
    # The main language of a mixed text is the one that carries it.
    assert tone_check("Hi Иван, благодарим Ви за търпението, ще се обадим утре.").language == "bg"
    assert (
        tone_check("Dear Иван, thank you for your patience, we will call tomorrow.").language
        == "en"
    )


def test_chinese_script_decides_the_variant_and_the_hint_only_breaks_ties():
    assert chinese_variant("这是") == "zh-hans"
    assert chinese_variant("這是") == "zh-hant"
    assert chinese_variant("不可能") == "zh-hans"
    assert chinese_variant("不可能", hint="zh-hant") == "zh-hant"
    assert chinese_variant("这是", hint="zh-hant") == "zh-hans"  # the text tells
    hans, hant = tone_hints("不可能")[0], tone_hints("不可能", language="zh-hant")[0]
    assert (hans.language, hant.language) == ("zh-hans", "zh-hant")
    assert hans.suggestion != hant.suggestion and "這" in hant.suggestion
    assert reply_languages("這不可能", hint="zh-hans") == ["zh-hant", "zh-hans"]


def test_a_clear_text_wins_over_the_hint():
    assert tone_check("Успокойте се.", language="zh-hans").language == "bg"
    assert tone_check("Calm down.", language="th").hints[0].language == "en"
    # A text with no letters says nothing: the hint is its language.
    assert tone_check("!!! 123", language="th").language == "th"
    assert tone_check("", language="bg").language == "bg"
    assert tone_check("", language="xx-junk").language == "en"


@pytest.mark.parametrize(
    "code, expected",
    [
        ("zh-hans", "zh-hans"),
        ("zh_Hant", "zh-hant"),
        ("zh-TW", "zh-hant"),
        ("zh-cn", "zh-hans"),
        ("zh", "zh-hans"),
        ("en-gb", "en"),
        ("BG", "bg"),
        ("th-TH", "th"),
        ("fr", None),
        ("", None),
        (None, None),
    ],
)
def test_language_codes_are_normalized(code, expected):
    assert normalize_language(code) == expected


# --- properties --------------------------------------------------------------------------------

SCRIPTS = st.characters(
    codec="utf-8",
    categories=("L", "M", "N", "P", "Zs", "Cc"),
)
MIXED = st.text(
    alphabet=st.one_of(
        SCRIPTS,
        st.sampled_from(
            list("abcxyz ,.!'’这是公司规定你應該不可能冷靜ใจเย็นๆคุณต้องการนโยบายникогаУспокойте")
        ),
    ),
    max_size=200,
)
PHRASES = {
    "zh-hans": ["这是公司规定", "不可能", "冷静一下", "你应该"],
    "zh-hant": ["這是公司規定", "你應該", "冷靜一下"],
    "en": ["calm down", "never", "that's our policy"],
    "bg": ["успокойте се", "никога", "невъзможно"],
}


@given(MIXED)
def test_tone_check_never_raises_and_spans_cover_the_phrases(text):
    check = tone_check(text)
    assert check.language in rule_sets()
    sets = rule_sets()
    for h in check.hints:
        assert 0 <= h.start < h.end <= len(text)
        assert text[h.start : h.end] == h.phrase
        assert h.suggestion and h.message == sets[h.language].messages[h.kind]
        # The span is what a rule of that language matches, whole.
        assert any(rule.regex.fullmatch(h.phrase) for rule in sets[h.language].rules)
    for a, b in zip(check.hints, check.hints[1:], strict=False):
        assert a.end <= b.start


@given(
    st.sampled_from(sorted(PHRASES)).flatmap(
        lambda lang: st.tuples(st.just(lang), st.sampled_from(PHRASES[lang]))
    ),
    MIXED,
    MIXED,
)
def test_a_harsh_phrase_anywhere_is_found(lang_phrase, before, after):
    _lang, phrase = lang_phrase
    # Spaces keep English and Bulgarian words apart; Chinese needs none.
    text = f"{before} {phrase} {after}"
    start = len(before) + 1
    end = start + len(phrase)
    hints = tone_hints(text)
    assert any(h.start < end and start < h.end for h in hints), (text, hints)


def test_a_long_reply_is_checked_quickly():
    import time

    text = ("ใจเย็นๆก่อนนะคะ คุณต้องการให้เราส่งใหม่ไหมคะ 这是公司规定 Успокойте се. Never. " * 200)[
        :10_000
    ]
    began = time.perf_counter()
    hints = tone_hints(text)
    assert time.perf_counter() - began < 2.0
    assert {h.language for h in hints} == {"th", "zh-hans", "bg", "en"}


def test_thai_segmentation_uses_only_what_the_wheel_ships(tmp_path):
    """newmm reads the dictionary bundled in PyThaiNLP: nothing is downloaded or written to
    $HOME (a fresh process with an empty home, checked afterwards)."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    code = (
        "from complaints.tone.thai import token_boundaries;"
        "print(sorted(token_boundaries('คุณต้องการอะไรคะ')))"
    )
    env = {**os.environ, "HOME": str(tmp_path), "PYTHONPATH": str(root)}
    env.pop("PYTHAINLP_READ_ONLY", None)
    env.pop("PYTHAINLP_DATA", None)
    run = subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=root, capture_output=True, text=True, timeout=60
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "[0, 3, 10, 14, 16]"  # คุณ | ต้องการ | อะไร | คะ
    assert list(tmp_path.iterdir()) == []
