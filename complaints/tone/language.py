"""Which rule sets a reply needs: its language, detected, with the writer's language as a hint.

Decisions (README "Words that help"):
- Each of our languages has its own script (Latin: English, Cyrillic: Bulgarian, Thai, Han:
  Chinese), so a text in one script is in that language: exact, and free. A text mixing
  scripts is read by lingua (a detector built once per process, lazily, for just these four
  languages) to say which language carries it: that one is reported with the hints and its
  rules run first. When a language that shares a script is added (Russian beside Bulgarian),
  lingua is the one that tells them apart.
- Mixed texts: the rules of every script present run, not only lingua's pick: lingua folds a
  short foreign phrase into the surrounding segment ("这是公司规定, sorry" is one Chinese
  segment), and rule sets of different scripts cannot match each other's text.
- Simplified or Traditional Chinese: lingua says "Chinese". The characters decide: those only
  in GB2312 count as Simplified, those only in Big5 as Traditional (both codecs are stdlib).
  Both Chinese rule sets run, the winner first, so a phrase the two share (不可能) gets the
  suggestion in the winner's script.
- The hint (the writer's or the customer's language) decides only what the text cannot: the
  Chinese script when no character tells, and the language of a text with no letters at all.
  A text clearly in another language is checked in that language.
Imports no app; lingua is imported on first use.
"""

from __future__ import annotations

import functools
import re
from typing import Any

from complaints.tone.rules import LANGUAGES

HANS, HANT = "zh-hans", "zh-hant"
_ALIASES = {
    "zh": HANS,
    "zh-cn": HANS,
    "zh-sg": HANS,
    "zh-my": HANS,
    "zh-tw": HANT,
    "zh-hk": HANT,
    "zh-mo": HANT,
}
_SCRIPTS = {
    "en": re.compile(r"[A-Za-z\u00c0-\u024f]"),
    "bg": re.compile(r"[\u0400-\u04ff]"),
    "th": re.compile(r"[\u0e00-\u0e7f]"),
    "zh": re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003ffff]"),
}
_HAN = _SCRIPTS["zh"]


def normalize_language(code: str | None) -> str | None:
    """A language code as we name rule sets ("zh_Hant", "zh-TW" -> "zh-hant"), or None."""
    if not code:
        return None
    code = str(code).strip().lower().replace("_", "-")
    code = _ALIASES.get(code, code)
    if code in LANGUAGES:
        return code
    base = code.split("-")[0]
    base = _ALIASES.get(base, base)
    return base if base in LANGUAGES else None


@functools.cache
def detector() -> Any:
    """The lingua detector for our languages, built on first use and kept for the process."""
    from lingua import Language, LanguageDetectorBuilder

    # Low accuracy mode (trigrams only): it only has to say which of two or three scripts
    # carries a text. Measured on a short English-Bulgarian text: 84 ms and 9 MB on first use,
    # against 1.3-1.6 s and ~105 MB with every n-gram model in high accuracy mode.
    return (
        LanguageDetectorBuilder.from_languages(
            Language.ENGLISH, Language.CHINESE, Language.THAI, Language.BULGARIAN
        )
        .with_low_accuracy_mode()
        .build()
    )


_LINGUA_CODES = {"ENGLISH": "en", "CHINESE": "zh", "THAI": "th", "BULGARIAN": "bg"}


# What lingua reads: only the letters our languages write (English without diacritics, the
# Bulgarian alphabet, Thai, CJK ideographs), everything else turned into spaces. A character
# that no candidate language uses makes lingua load every model of every language (measured:
# one "ò" or Greek letter beside Thai costs 1.5 s and ~110 MB on first use).
_NOT_OURS = re.compile(
    r"[^A-Za-z\u0410-\u042a\u042c\u042e\u042f\u0430-\u044a\u044c\u044e\u044f\u045d"
    r"\u0e01-\u0e3a\u0e40-\u0e4e\u4e00-\u9fff]+"
)


def detect_base_language(text: str) -> str | None:
    """en, zh, th or bg: the main language of `text`; None when it holds none of their letters.

    A text in one of our scripts is in that script's language (each has one); lingua decides
    only between scripts, in a mixed text, which one carries it."""
    present = scripts_present(text)
    if len(present) <= 1:
        return next(iter(present), None)
    letters = _NOT_OURS.sub(" ", text)
    if len(scripts_present(letters)) <= 1:
        # Only one of the scripts is written with our languages' own letters: no question.
        return next(iter(scripts_present(letters)), None) or max(
            sorted(present), key=lambda b: len(_SCRIPTS[b].findall(text))
        )
    found = detector().detect_language_of(letters)
    base = _LINGUA_CODES.get(found.name) if found is not None else None
    if base in present:
        return base
    return max(sorted(present), key=lambda b: len(_SCRIPTS[b].findall(text)))


def scripts_present(text: str) -> set[str]:
    """The rule languages (en, bg, th, zh) whose script occurs in `text`."""
    return {base for base, script in _SCRIPTS.items() if script.search(text)}


@functools.lru_cache(maxsize=8192)
def _han_side(ch: str) -> int:
    """+1 for a character only Simplified writing has, -1 for one only Traditional has."""
    try:
        ch.encode("gb2312")
        in_gb = True
    except UnicodeEncodeError:
        in_gb = False
    try:
        ch.encode("big5")
        in_big5 = True
    except UnicodeEncodeError:
        in_big5 = False
    return int(in_gb and not in_big5) - int(in_big5 and not in_gb)


def chinese_variant(text: str, *, hint: str | None = None) -> str:
    """zh-hans or zh-hant by the characters of `text`; the hint (else Simplified) on a tie."""
    score = sum(_han_side(ch) for ch in _HAN.findall(text))
    if score > 0:
        return HANS
    if score < 0:
        return HANT
    return hint if hint in (HANS, HANT) else HANS


def reply_languages(text: str, *, hint: str | None = None) -> list[str]:
    """The rule languages to run on `text`, the main one first; never empty."""
    hint = normalize_language(hint)
    present = scripts_present(text)
    main = detect_base_language(text)
    bases = [main] if main else []
    bases += sorted(present - {main})
    languages: list[str] = []
    for base in bases:
        if base == "zh":
            first = chinese_variant(text, hint=hint)
            languages += [first, HANT if first == HANS else HANS]
        else:
            languages.append(base)
    return languages or [hint or "en"]
