"""The refusal beside each permission function: None exactly when the permission allows, else
a sentence that says why and what to do next, in the active language."""

from __future__ import annotations

import re
from itertools import product
from types import SimpleNamespace

import pytest
from django.utils import translation

from core import roles

STATES = ("venting", "acknowledged", "apologized", "escalated", "remedied", "limit_set")
PERMISSIONS = {
    "acknowledge": roles.can_work,
    "apologize": roles.can_work,
    "escalate": roles.can_work,
    "remedy": roles.can_remedy,
    "approve": roles.can_approve,
    "return": roles.can_return,
    "set_limits": roles.can_set_limits,
    "reopen": roles.can_reopen,
}


def person(*groups: str, superuser: bool = False, active: bool = True):
    """A user as core.roles reads one (its group names are cached on the instance)."""
    return SimpleNamespace(
        is_authenticated=True,
        is_active=active,
        is_superuser=superuser,
        _redress_roles=frozenset(groups),
    )


PEOPLE = {
    "outsider": person(),
    "integration": person(roles.INTEGRATION),
    "frontline": person(roles.FRONTLINE),
    "lead": person(roles.TEAM_LEAD),
    "manager": person(roles.MANAGER),
    "superuser": person(superuser=True),
    "inactive manager": person(roles.MANAGER, active=False),
}


def complaint(state: str, tier: str):
    return SimpleNamespace(state=state, tier=tier)


CASES = list(product(PERMISSIONS, STATES, roles.TIERS, PEOPLE))


@pytest.mark.parametrize(("name", "state", "tier", "who"), CASES)
def test_a_refusal_exactly_when_the_permission_says_no(name, state, tier, who):
    c, user = complaint(state, tier), PEOPLE[who]
    refusal = roles.transition_refusal(name, c, user)
    assert (refusal is None) == PERMISSIONS[name](c, user)


def _refusals() -> list[str]:
    found = set()
    for name, state, tier, who in CASES:
        refusal = roles.transition_refusal(name, complaint(state, tier), PEOPLE[who])
        if refusal:
            found.add(refusal)
    found.add(roles.file_refusal(PEOPLE["outsider"]))
    found.add(roles.staff_refusal(PEOPLE["integration"]))
    return sorted(found)


def test_every_refusal_is_a_sentence_with_a_reason_and_a_next_step():
    refusals = _refusals()
    assert len(refusals) >= 10
    for sentence in refusals:
        assert sentence[0].isupper() and sentence.endswith("."), sentence
        assert ":" in sentence or ". " in sentence, f"no reason or next step: {sentence}"
        assert "may not" not in sentence and "%(" not in sentence, sentence


def test_the_issue_examples():
    frontline = PEOPLE["frontline"]
    assert roles.set_limits_refusal(complaint("venting", "frontline"), frontline) == (
        "Limits can't be set while the customer is still venting: acknowledge first, "
        "or ask a manager to flag abuse."
    )
    assert roles.approve_refusal(complaint("escalated", "team_lead"), frontline).startswith(
        "Only a team lead or a manager can approve this: it was escalated to team lead."
    )
    assert roles.approve_refusal(complaint("escalated", "manager"), PEOPLE["lead"]).startswith(
        "Only a manager can approve this: it was escalated to manager."
    )
    assert roles.remedy_refusal(complaint("escalated", "team_lead"), frontline).startswith(
        "Only a team lead or a manager can remedy or compensate this complaint: it was "
        "escalated to team lead."
    )


def test_refusals_follow_the_active_language():
    with translation.override("zh-hans"):
        refusals = _refusals()
        assert roles.set_limits_refusal(complaint("venting", "frontline"), PEOPLE["frontline"]) == (
            "客户仍在倾诉时不能设定界限：请先确认受理，或请经理标记为辱骂。"
        )
        assert roles.approve_refusal(
            complaint("escalated", "team_lead"), PEOPLE["frontline"]
        ).startswith("只有组长或经理可以批准：这件投诉已升级至组长。")
    for sentence in refusals:
        # Chinese throughout: no English word left but the names API and integration tokens use.
        leftover = set(re.findall(r"[A-Za-z]{3,}", sentence)) - {"API"}
        assert not leftover and re.search(r"[\u4e00-\u9fff]", sentence), sentence
