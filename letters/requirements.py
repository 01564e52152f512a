"""What a regulated letter must say, and the one check of it (DESIGN §11, issue 14 part 3).

How mandatory content is checked — the same way whatever wrote the text:
1. Every letter's text is rendered as a Django template with the letter context
   (`letters.context.letter_context`): a manager's template, the standard file, or the free text
   a member of staff typed (which may use the same `{{ variables }}`).
2. Each item the regime requires for the kind (`REQUIRED[(regime, kind)]`) names a context
   variable. The item is missing when that variable is empty — the fact is not recorded yet (no
   outcome, no reasons, no redress item, no ombudsman on the regime) — or when its value does
   not appear in the rendered text (whitespace aside): the letter does not say it. The fixed
   wording (the right to refer within six months, the waiver, "resolved") are sentences of the
   context in the letter's language, so "says it" is a plain, testable substring check.
3. Sending is refused with one 422 (`RuleViolationError`) naming every missing item, each under
   its own field, so nothing half is written.

Regimes without an entry here (and `none`) require nothing; a regime added in admin gets its
requirements by an entry here. Pure: imports Django's translation and complaints' outcomes only.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from complaints.models import Outcome
from core.errors import RuleViolationError

ACKNOWLEDGEMENT = "acknowledgement"
SUMMARY_RESOLUTION = "summary_resolution"
HOLDING_REPLY = "holding_reply"
FINAL_RESPONSE = "final_response"


@dataclass(frozen=True)
class Item:
    """One thing a letter must say: the context variable that says it, and how staff read it."""

    key: str
    variable: str
    label: Any
    # The outcomes under which the item is owed (empty: always): no redress is owed for a
    # complaint that was not upheld, but the letter must then say so through its reasons.
    outcomes: tuple[str, ...] = ()


ITEMS: dict[str, Item] = {
    item.key: item
    for item in (
        Item(
            "outcome",
            "outcome",
            gettext_lazy("the outcome (upheld, partly upheld or not upheld)"),
        ),
        Item("reasons", "outcome_reason", gettext_lazy("the reasons for the outcome")),
        Item(
            "redress",
            "redress",
            gettext_lazy("the redress offered"),
            outcomes=(Outcome.UPHELD, Outcome.PARTLY_UPHELD),
        ),
        Item("ombudsman_name", "ombudsman_name", gettext_lazy("the ombudsman's name")),
        Item("ombudsman_website", "ombudsman_website", gettext_lazy("the ombudsman's website")),
        Item(
            "referral_right",
            "referral_right",
            gettext_lazy(
                "the customer's right to refer the complaint to the ombudsman within six months"
            ),
        ),
        Item(
            "waiver",
            "waiver",
            gettext_lazy("whether we consent to waive the ombudsman's time limits"),
        ),
        Item("resolved", "resolved", gettext_lazy("that we consider the complaint resolved")),
    )
}

_FCA_FINAL = (
    "outcome",
    "reasons",
    "redress",
    "ombudsman_name",
    "ombudsman_website",
    "referral_right",
    "waiver",
)
REQUIRED: dict[tuple[str, str], tuple[str, ...]] = {
    # FCA DISP 1.6.2 (final response) and DISP 1.5.4 (summary resolution communication).
    ("uk_fca_disp", FINAL_RESPONSE): _FCA_FINAL,
    ("uk_fca_disp", SUMMARY_RESOLUTION): ("resolved", "referral_right"),
    # PSD2 Art. 101: the reply addresses every point raised and names the ADR body.
    ("eu_psd2", FINAL_RESPONSE): ("outcome", "reasons", "ombudsman_name", "ombudsman_website"),
    # CFPB company response: what was decided and why.
    ("us_cfpb", FINAL_RESPONSE): ("outcome", "reasons"),
}


@dataclass(frozen=True)
class Missing:
    item: Item
    recorded: bool  # the fact is recorded, only the text does not say it

    def sentence(self) -> str:
        if not self.recorded:
            return _("%(item)s: not recorded on the complaint or its regime yet.") % {
                "item": self.item.label
            }
        return _(
            "%(item)s: the letter does not say it (write {{ %(variable)s }} where it belongs)."
        ) % {"item": self.item.label, "variable": self.item.variable}


def _flat(text: str) -> str:
    return " ".join(str(text).split())


def required_items(*, regime: str, kind: str) -> tuple[Item, ...]:
    return tuple(ITEMS[key] for key in REQUIRED.get((regime, kind), ()))


def letter_missing(
    *, regime: str, kind: str, context: Mapping[str, Any], text: str
) -> list[Missing]:
    """The items `text` (rendered) lacks for a `kind` letter under `regime`, in order."""
    flat = _flat(text)
    outcome = context.get("outcome_code", "")
    missing = []
    for item in required_items(regime=regime, kind=kind):
        if item.outcomes and outcome not in item.outcomes:
            continue
        value = _flat(context.get(item.variable) or "")
        if not value:
            missing.append(Missing(item, recorded=False))
        elif value not in flat:
            missing.append(Missing(item, recorded=True))
    return missing


def letter_refusal(missing: list[Missing]) -> RuleViolationError:
    """The 422 naming each missing item, one field per item."""
    sentences = [m.sentence() for m in missing]
    return RuleViolationError(
        _("This letter cannot be sent without what it must say: %(items)s")
        % {"items": " ".join(sentences)},
        fields={m.item.key: [s] for m, s in zip(missing, sentences, strict=True)},
    )
