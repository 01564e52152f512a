"""The tone rules as data: one TOML file per reply language in `complaints/tone_rules/`.

A file says which language it is for, how its phrases are matched (`words`: case-insensitive,
on word boundaries, for languages written with spaces; `substring`: anywhere, for Chinese;
`thai_words`: on PyThaiNLP token boundaries, for Thai), the explanation line of each kind in
that language, and its rules: a kind, the phrase (a regular expression in `pattern`, or literal
`phrases`) and a softer `suggestion` in the same language.

Invariant: a file that is loaded is valid. Every problem (unknown key, unknown kind, missing
message, a pattern that does not compile or matches the empty text, a file named for another
language) raises `ToneRulesError` naming the file and the rule; `complaints.checks` runs the
loader at `manage.py check`, so a bad file stops a deploy rather than a reply box. Files are read
and compiled once per process (`rule_sets()`). Pure Python: no database, no models, no app
imports.
"""

from __future__ import annotations

import functools
import re
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

RULES_DIR = Path(__file__).resolve().parent.parent / "tone_rules"

CATEGORICAL = "categorical"
BLAME = "blame"
POLICY = "policy"
DISMISSING = "dismissing"  # "calm down": waves the customer's feelings away
KINDS = (CATEGORICAL, BLAME, POLICY, DISMISSING)

WORDS = "words"
SUBSTRING = "substring"
THAI_WORDS = "thai_words"
MATCHING = (WORDS, SUBSTRING, THAI_WORDS)

# The languages a reply may be written in, as Django language codes; a file is named after the
# locale (zh-hans -> zh_Hans.toml).
LANGUAGES = ("en", "zh-hans", "zh-hant", "th", "bg")
FILE_NAMES = {"en": "en", "zh-hans": "zh_Hans", "zh-hant": "zh_Hant", "th": "th", "bg": "bg"}

# Scripts written without spaces between words. A Latin or Cyrillic word ends where one of
# these begins ("这个never会发生" still holds the word "never"), so word boundaries treat them
# as non-letters.
_UNSPACED = "\u0e00-\u0e7f\u2e80-\u2fff\u3000-\u9fff\uac00-\ud7af\uf900-\ufaff\U00020000-\U0003ffff"
_SPACED_LETTER = re.compile(rf"[^\W{_UNSPACED}]")

_FILE_KEYS = {"language", "name", "matching", "messages", "rule"}
_RULE_KEYS = {"kind", "pattern", "phrases", "suggestion"}


class ToneRulesError(ValueError):
    """A rules file cannot be used; the message names the file and what is wrong."""


def _word_start(text: str, offset: int) -> bool:
    """No letter, digit or underscore of a spaced script (Unicode-aware: Cyrillic counts,
    Han and Thai do not) right before `offset`."""
    return offset == 0 or _SPACED_LETTER.match(text, offset - 1) is None


def _word_end(text: str, offset: int) -> bool:
    """No letter, digit or underscore of a spaced script right at `offset`."""
    return offset == len(text) or _SPACED_LETTER.match(text, offset) is None


@dataclass(frozen=True)
class Rule:
    kind: str
    regex: re.Pattern[str]
    suggestion: str

    def finditer(
        self, text: str, *, matching: str, bounds: frozenset[int] | None = None
    ) -> Iterator[re.Match[str]]:
        """Non-overlapping, non-empty matches in reading order that start and end where the
        language allows: anywhere (substring), at word edges (words), on token boundaries
        (thai_words, `bounds` from `complaints.tone.thai`). A refused match does not hide a
        later one that overlaps it: the search goes on from the next character."""
        pos = 0
        while pos <= len(text):
            match = self.regex.search(text, pos)
            if match is None:
                return
            start, end = match.span()
            if start == end:
                ok = False
            elif matching == WORDS:
                ok = _word_start(text, start) and _word_end(text, end)
            elif matching == THAI_WORDS:
                ok = bounds is not None and start in bounds and end in bounds
            else:
                ok = True
            if ok:
                yield match
                pos = end
            else:
                pos = start + 1


@dataclass(frozen=True)
class RuleSet:
    language: str  # Django language code, e.g. "zh-hans"
    name: str  # the language's own name for itself
    matching: str
    messages: dict[str, str]
    rules: tuple[Rule, ...]


def _phrase_regex(phrase: str, *, spaced: bool) -> str:
    """A literal phrase as a pattern: any run of spaces matches any whitespace (none at all in
    unspaced scripts, where writers often leave them out), an apostrophe straight or curly."""
    out: list[str] = []
    for ch in phrase.strip():
        if ch.isspace():
            gap = r"\s+" if spaced else r"\s*"
            if not out or out[-1] != gap:
                out.append(gap)
        elif ch in "'’":
            out.append("['’]")
        else:
            out.append(re.escape(ch))
    return "".join(out)


def _rule(where: str, raw: Any, matching: str) -> Rule:
    if not isinstance(raw, dict):
        raise ToneRulesError(f"{where}: a rule must be a table ([[rule]]).")
    unknown = set(raw) - _RULE_KEYS
    if unknown:
        raise ToneRulesError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}.")
    kind = raw.get("kind")
    if kind not in KINDS:
        raise ToneRulesError(f"{where}: kind {kind!r} is not one of {', '.join(KINDS)}.")
    suggestion = raw.get("suggestion")
    if not isinstance(suggestion, str) or not suggestion.strip():
        raise ToneRulesError(f"{where}: a rule needs a softer 'suggestion' (a non-empty text).")
    if ("pattern" in raw) == ("phrases" in raw):
        raise ToneRulesError(f"{where}: give either 'pattern' or 'phrases', not both or neither.")
    if "phrases" in raw:
        phrases = raw["phrases"]
        if (
            not isinstance(phrases, list)
            or not phrases
            or not all(isinstance(p, str) and p.strip() for p in phrases)
        ):
            raise ToneRulesError(f"{where}: 'phrases' must be a list of non-empty texts.")
        # Longest first, so that an alternation prefers the fuller phrase.
        ordered = sorted(phrases, key=len, reverse=True)
        source = "|".join(_phrase_regex(p, spaced=matching == WORDS) for p in ordered)
    else:
        source = raw["pattern"]
        if not isinstance(source, str) or not source.strip():
            raise ToneRulesError(f"{where}: 'pattern' must be a non-empty text.")
    # Word boundaries are checked by `Rule.finditer`, not written into the pattern: lookarounds
    # over those large Unicode classes take ~10 ms each to compile.
    try:
        regex = re.compile(source, re.IGNORECASE)
    except re.error as exc:
        raise ToneRulesError(f"{where}: the pattern does not compile: {exc}.") from exc
    if regex.fullmatch(""):
        raise ToneRulesError(f"{where}: the pattern matches the empty text.")
    return Rule(kind=kind, regex=regex, suggestion=suggestion.strip())


def load_rule_file(path: Path) -> RuleSet:
    """Read, validate and compile one rules file; raise ToneRulesError if it cannot be used."""
    name = path.name
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ToneRulesError(f"{name}: cannot be read as TOML: {exc}.") from exc
    unknown = set(data) - _FILE_KEYS
    if unknown:
        raise ToneRulesError(f"{name}: unknown key(s) {', '.join(sorted(unknown))}.")
    language = data.get("language")
    if language not in LANGUAGES:
        raise ToneRulesError(f"{name}: language {language!r} is not one of {', '.join(LANGUAGES)}.")
    if path.stem != FILE_NAMES[language]:
        raise ToneRulesError(
            f"{name}: it says language {language!r}, so it must be named "
            f"{FILE_NAMES[language]}.toml."
        )
    matching = data.get("matching")
    if matching not in MATCHING:
        raise ToneRulesError(f"{name}: matching {matching!r} is not one of {', '.join(MATCHING)}.")
    messages = data.get("messages")
    if not isinstance(messages, dict):
        raise ToneRulesError(f"{name}: a [messages] table with one line per kind is needed.")
    for kind in KINDS:
        text = messages.get(kind)
        if not isinstance(text, str) or not text.strip():
            raise ToneRulesError(f"{name}: [messages] has no explanation for {kind!r}.")
    extra = set(messages) - set(KINDS)
    if extra:
        raise ToneRulesError(f"{name}: [messages] has unknown kind(s) {', '.join(sorted(extra))}.")
    raw_rules = data.get("rule")
    if not isinstance(raw_rules, list) or not raw_rules:
        raise ToneRulesError(f"{name}: no rules ([[rule]] tables) found.")
    rules = tuple(
        _rule(f"{name}: rule {number}", raw, matching)
        for number, raw in enumerate(raw_rules, start=1)
    )
    return RuleSet(
        language=language,
        name=str(data.get("name") or language),
        matching=matching,
        messages={kind: messages[kind].strip() for kind in KINDS},
        rules=rules,
    )


def load_rule_sets(directory: Path | None = None) -> dict[str, RuleSet]:
    """Every `*.toml` in `directory` (default RULES_DIR), by language; English must be there,
    since it is the answer for a text that says nothing about its language."""
    directory = directory or RULES_DIR
    sets: dict[str, RuleSet] = {}
    for path in sorted(directory.glob("*.toml")):
        rule_set = load_rule_file(path)
        sets[rule_set.language] = rule_set
    if "en" not in sets:
        raise ToneRulesError(f"{directory.name}: en.toml (the English rules) is missing.")
    return sets


@functools.cache
def rule_sets() -> dict[str, RuleSet]:
    """The rule sets of this process, loaded and compiled on first use."""
    return load_rule_sets(RULES_DIR)
