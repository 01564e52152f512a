"""The tone hint is a pure function: what it flags, what it leaves alone, what it suggests."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from complaints.tone import BLAME, CATEGORICAL, DISMISSING, POLICY, tone_hints, tone_warm_up


@pytest.fixture(autouse=True, scope="module")
def _rules_loaded():
    """Load the rules, the detector and the Thai dictionary once, before any timed example."""
    tone_warm_up()


def flagged(text: str) -> list[tuple[str, str]]:
    return [(h.kind, h.phrase) for h in tone_hints(text)]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("We always ship on time.", [(CATEGORICAL, "always")]),
        ("That NEVER happens.", [(CATEGORICAL, "NEVER")]),
        ("It is impossible to change.", [(CATEGORICAL, "impossible")]),
        ("That's our policy.", [(POLICY, "That's our policy")]),
        ("That’s the policy, sorry.", [(POLICY, "That’s the policy")]),
        ("that is company policy", [(POLICY, "that is company policy")]),
        ("It's not my department.", [(POLICY, "It's not my department")]),
        ("There is nothing we can do.", [(POLICY, "There is nothing we can do")]),
        ("You should have read the terms.", [(BLAME, "You should have")]),
        ("You didn't tick the box.", [(BLAME, "You didn't")]),
        ("Please calm down.", [(DISMISSING, "calm down")]),
        ("As I already said, it shipped.", [(BLAME, "As I already said")]),
        ("It's your own fault.", [(BLAME, "It's your own fault")]),
    ],
)
def test_flags_harsh_phrases(text, expected):
    assert flagged(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "I understand how annoying this is; we usually ship within two days.",
        "Nevertheless, perhaps we can send a new opener today.",
        "Our policies page explains returns; I have also sent you the form.",
        "The customer's neverending patience.",
        "Calmly, we checked: the opener was not packed.",
    ],
)
def test_leaves_soft_wording_alone(text):
    assert tone_hints(text) == []


def test_hints_are_in_reading_order_with_offsets_and_suggestions():
    text = "Calm down. You should have known: that's our policy, it never changes."
    hints = tone_hints(text)
    assert [h.kind for h in hints] == [DISMISSING, BLAME, POLICY, CATEGORICAL]
    for h in hints:
        assert text[h.start : h.end] == h.phrase
        assert h.suggestion and h.message
    assert "usually" in tone_hints("always")[0].suggestion


def test_overlapping_rules_report_the_phrase_once():
    # "our policy" and "that's our policy" overlap; "nothing" sits inside the policy phrase.
    assert flagged("there's nothing we can do, that's our policy") == [
        (POLICY, "there's nothing we can do"),
        (POLICY, "that's our policy"),
    ]


@given(st.text(max_size=300))
def test_any_text_gives_well_formed_hints(text):
    hints = tone_hints(text)
    assert [h.start for h in hints] == sorted(h.start for h in hints)
    for h in hints:
        assert 0 <= h.start < h.end <= len(text) and text[h.start : h.end] == h.phrase
    for a, b in zip(hints, hints[1:], strict=False):
        assert a.end <= b.start
