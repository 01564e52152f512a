"""Tone hints for a reply before it is sent: a pure function, no database, no Django models.

DESIGN §1 and §6: use softeners rather than categorical words, never blame the customer, never
hide behind "that is the policy", never wave feelings away ("calm down") — in every language
the staff write in. `tone_check(text, language=...)` finds such phrases and suggests softer
wording in the reply's own language. The rules are data (`complaints/tone_rules/*.toml`, loaded
and validated by `complaints.tone.rules`); which rule sets run is decided by
`complaints.tone.language`. The browser never re-implements these rules: the reply box asks
the admin's JSON endpoint, which calls this same function.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from complaints.tone import thai
from complaints.tone.language import normalize_language, reply_languages
from complaints.tone.rules import (
    BLAME,
    CATEGORICAL,
    DISMISSING,
    KINDS,
    POLICY,
    THAI_WORDS,
    rule_sets,
)

__all__ = [
    "BLAME",
    "CATEGORICAL",
    "DISMISSING",
    "KINDS",
    "MAX_CHARS",
    "POLICY",
    "Hint",
    "ToneCheck",
    "tone_check",
    "tone_hints",
    "tone_warm_up",
]

MAX_CHARS = 10_000


@dataclass(frozen=True)
class Hint:
    kind: str  # categorical, blame, policy or dismissing
    phrase: str  # the words as written
    start: int  # offsets into the text
    end: int
    message: str  # why it may hurt, in the reply's language
    suggestion: str  # softer wording, in the reply's language
    language: str  # the rule set that found it

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class ToneCheck:
    language: str  # the reply's main language, e.g. "zh-hans"
    hints: list[Hint]

    def as_dict(self) -> dict:
        return {"language": self.language, "hints": [h.as_dict() for h in self.hints]}


def tone_check(text: str, *, language: str | None = None) -> ToneCheck:
    """The reply's language and its hints in reading order.

    `language` is a hint (the writer's or the customer's language): it decides only what the
    text cannot tell. Overlapping matches keep the rule that came first: the main language's
    before the others, and within a file the earlier rule (files list longer phrases first).
    """
    text = (text or "")[:MAX_CHARS]
    sets = rule_sets()
    languages = [code for code in reply_languages(text, hint=language) if code in sets]
    main = languages[0] if languages else normalize_language(language) or "en"
    if not text:
        return ToneCheck(language=main, hints=[])
    bounds = None
    if any(
        sets[code].matching == THAI_WORDS
        and any(rule.regex.search(text) for rule in sets[code].rules)
        for code in languages
    ):
        # Segmenting costs a dictionary load on first use: only when a Thai phrase may be there.
        bounds = thai.token_boundaries(text)
    taken: list[tuple[int, int]] = []
    hints: list[Hint] = []
    for code in languages:
        rule_set = sets[code]
        for rule in rule_set.rules:
            for match in rule.finditer(text, matching=rule_set.matching, bounds=bounds):
                start, end = match.span()
                if any(start < t_end and t_start < end for t_start, t_end in taken):
                    continue
                taken.append((start, end))
                hints.append(
                    Hint(
                        kind=rule.kind,
                        phrase=match.group(0),
                        start=start,
                        end=end,
                        message=rule_set.messages[rule.kind],
                        suggestion=rule.suggestion,
                        language=code,
                    )
                )
    return ToneCheck(language=main, hints=sorted(hints, key=lambda h: h.start))


def tone_hints(text: str, *, language: str | None = None) -> list[Hint]:
    """Hints for `text` in reading order (see `tone_check`)."""
    return tone_check(text, language=language).hints


def tone_warm_up() -> None:
    """Load now what a first check would load (the rules files, the lingua models that mixed
    texts need, PyThaiNLP's dictionary), e.g. before timing-sensitive work."""
    for sample in (
        "Hello 你好",
        "Hi Иван",
        "g никога и never g",
        "OK ใจเย็นๆ",
        "你好 สวัสดี Здравейте",
    ):
        tone_check(sample)
