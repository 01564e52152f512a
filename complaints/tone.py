"""Tone hints for a reply before it is sent: a pure function, no database, no Django models.

DESIGN §1: use softeners rather than categorical words, never blame the customer, never hide
behind "that is the policy". `tone_hints(text)` finds such phrases and suggests softer wording.
The browser never re-implements these rules: the reply box asks the admin's JSON endpoint, which
calls this same function.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass

from django.utils.translation import gettext_lazy as _

CATEGORICAL = "categorical"
BLAME = "blame"
POLICY = "policy"

KIND_MESSAGES = {
    CATEGORICAL: _("Categorical: it closes the conversation. A softener keeps it open."),
    BLAME: _("Sounds like blame: describe what happened and what you will do instead."),
    POLICY: _("Hides behind a rule: explain the reason and what you can do."),
}

# (kind, pattern, suggestion). Patterns are regular expressions matched case-insensitively on
# word boundaries; an apostrophe may be straight or curly. Longer phrases come first so that
# "there is nothing we can do" wins over "nothing".
_APOS = "['’]"
_RULES: tuple[tuple[str, str, str], ...] = (
    (
        POLICY,
        rf"that{_APOS}?s (?:just )?(?:our|the|company) policy",
        _('Explain why, then what you can do: "We do this because …; what I can do is …"'),
    ),
    (
        POLICY,
        r"that is (?:just )?(?:our|the|company) policy",
        _('Explain why, then what you can do: "We do this because …; what I can do is …"'),
    ),
    (
        POLICY,
        r"(?:it is|it{_APOS}s) (?:against )?(?:our |the |company )?policy".replace(
            "{_APOS}", _APOS
        ),
        _("Say what the rule protects and offer what is possible."),
    ),
    (
        POLICY,
        r"company policy|our policy|the rules (?:are|say)",
        _("Say what the rule protects and offer what is possible."),
    ),
    (
        POLICY,
        rf"(?:that{_APOS}?s|it{_APOS}?s|this is) not my (?:job|department|problem)",
        _('"Let me find the right person and come back to you by …"'),
    ),
    (
        POLICY,
        rf"there{_APOS}?s nothing (?:i|we) can do|there is nothing (?:i|we) can do",
        _('"Here is what I can do: …"'),
    ),
    (
        BLAME,
        rf"you should{_APOS}?ve|you should have",
        _('"Next time it may help to …; for now, let me …"'),
    ),
    (
        BLAME,
        rf"you (?:didn{_APOS}?t|did not|failed to|forgot to)",
        _('Describe what happened without "you": "The form was sent without …"'),
    ),
    (
        BLAME,
        rf"(?:it{_APOS}?s|it is) your (?:own )?fault|your (?:own )?fault",
        _("Leave fault out of the reply; say what you will do."),
    ),
    (BLAME, r"you must have", _('"It looks as if …" or ask: "Could it be that …?"')),
    (
        BLAME,
        r"as i (?:already |have already )?(?:said|told you|explained)",
        _("Restate it plainly, without pointing back."),
    ),
    (BLAME, r"calm down", _('Acknowledge the feeling: "I can hear how frustrating this is."')),
    (BLAME, r"you need to understand", _('"Let me explain what happened."')),
    (BLAME, rf"you{_APOS}?re wrong|you are wrong", _('"Let me check that again with you."')),
    (
        BLAME,
        r"obviously|clearly you",
        _("Leave it out; what is obvious to us may not be to the customer."),
    ),
    (CATEGORICAL, r"always", _('"usually" or "in most cases"')),
    (CATEGORICAL, r"never", _('"rarely" or "not usually"')),
    (CATEGORICAL, r"impossible", _('"difficult" — and say what is possible')),
    (CATEGORICAL, r"no way", _('"I am not sure we can, but let me check …"')),
    (
        CATEGORICAL,
        rf"can{_APOS}?t be done|cannot be done",
        _('"That may be hard; what I can do is …"'),
    ),
    (CATEGORICAL, r"absolutely not|definitely not", _('"I am afraid that is unlikely, but …"')),
    (CATEGORICAL, r"nothing", _('"not much … yet; here is what I can do"')),
)
_COMPILED = tuple(
    (kind, re.compile(rf"(?<!\w){pattern}(?!\w)", re.IGNORECASE), suggestion)
    for kind, pattern, suggestion in _RULES
)
MAX_CHARS = 10_000


@dataclass(frozen=True)
class Hint:
    kind: str  # categorical, blame or policy
    phrase: str  # the words as written
    start: int  # offsets into the text
    end: int
    message: str
    suggestion: str

    def as_dict(self) -> dict:
        return asdict(self)


def tone_hints(text: str) -> list[Hint]:
    """Hints for `text` in reading order; overlapping matches keep the earlier, longer rule."""
    if not text:
        return []
    text = text[:MAX_CHARS]
    taken: list[tuple[int, int]] = []
    hints: list[Hint] = []
    for kind, pattern, suggestion in _COMPILED:
        for match in pattern.finditer(text):
            start, end = match.span()
            if any(start < t_end and t_start < end for t_start, t_end in taken):
                continue
            taken.append((start, end))
            hints.append(
                Hint(
                    kind=kind,
                    phrase=match.group(0),
                    start=start,
                    end=end,
                    message=str(KIND_MESSAGES[kind]),
                    suggestion=str(suggestion),
                )
            )
    return sorted(hints, key=lambda h: h.start)
