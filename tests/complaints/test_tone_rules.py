"""The tone rules files: every shipped one loads, and a malformed one is refused with a message
that names the file, the rule and what is wrong, by the loader and by `manage.py check`."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from complaints.tone import rules
from complaints.tone.rules import KINDS, LANGUAGES, ToneRulesError, load_rule_file

GOOD = """
language = "bg"
matching = "words"

[messages]
categorical = "Категорично е."
blame = "Звучи като обвинение."
policy = "Крие се зад правило."
dismissing = "Омаловажава чувствата."

[[rule]]
kind = "categorical"
phrases = ["никога"]
suggestion = "„рядко“"
"""


def write(directory: Path, name: str, text: str) -> Path:
    path = directory / name
    path.write_text(text, encoding="utf-8")
    return path


def test_every_language_has_a_valid_file_with_rules_of_every_kind():
    sets = rules.load_rule_sets()
    assert set(sets) == set(LANGUAGES)
    for language, rule_set in sets.items():
        assert len(rule_set.rules) >= 15, language
        assert {rule.kind for rule in rule_set.rules} == set(KINDS), language
        assert set(rule_set.messages) == set(KINDS)
    assert sets["en"].messages != sets["bg"].messages  # each in its own language


def test_rules_are_loaded_and_compiled_once_per_process():
    assert rules.rule_sets() is rules.rule_sets()


def test_a_good_file_loads(tmp_path):
    rule_set = load_rule_file(write(tmp_path, "bg.toml", GOOD))
    assert rule_set.language == "bg" and rule_set.rules[0].regex.search("НИКОГА")


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda t: t.replace('matching = "words"', 'matching = "words'), "cannot be read as TOML"),
        (lambda t: t.replace('kind = "categorical"', 'kind = "rude"'), "rule 1: kind 'rude'"),
        (lambda t: t.replace('suggestion = "„рядко“"', ""), "rule 1: a rule needs a softer"),
        (
            lambda t: t.replace('phrases = ["никога"]', "pattern = '''(никога'''"),
            "rule 1: the pattern does not compile",
        ),
        (
            lambda t: t.replace('phrases = ["никога"]', "pattern = '''(?:никога)?'''"),
            "rule 1: the pattern matches the empty text",
        ),
        (
            lambda t: t.replace('phrases = ["никога"]', "phrases = ['никога']\npattern = 'x'"),
            "rule 1: give either 'pattern' or 'phrases'",
        ),
        (
            lambda t: t.replace('blame = "Звучи като обвинение."\n', ""),
            "no explanation for 'blame'",
        ),
        (lambda t: t.replace('language = "bg"', 'language = "fr"'), "language 'fr' is not one of"),
        (lambda t: t.replace('language = "bg"', 'language = "th"'), "must be named th.toml"),
        (lambda t: t.replace('matching = "words"', 'matching = "fuzzy"'), "matching 'fuzzy'"),
        (
            lambda t: t + "\n[[rule]]\nkind = 'blame'\nphrase = 'x'\n",
            "rule 2: unknown key(s) phrase",
        ),
        (lambda t: t.split("[[rule]]")[0], "no rules"),
    ],
)
def test_a_malformed_file_is_refused_with_a_clear_message(tmp_path, change, message):
    path = write(tmp_path, "bg.toml", change(GOOD))
    with pytest.raises(ToneRulesError) as refused:
        load_rule_file(path)
    assert str(refused.value).startswith("bg.toml: ")
    assert message in str(refused.value)


def test_manage_py_check_refuses_a_bad_rules_file(tmp_path, monkeypatch):
    write(tmp_path, "en.toml", (rules.RULES_DIR / "en.toml").read_text(encoding="utf-8"))
    write(tmp_path, "bg.toml", GOOD.replace('kind = "categorical"', 'kind = "rude"'))
    monkeypatch.setattr(rules, "RULES_DIR", tmp_path)
    with pytest.raises(SystemCheckError) as refused:
        call_command("check")
    text = str(refused.value)
    assert "complaints.E001" in text and "bg.toml: rule 1: kind 'rude'" in text

    write(tmp_path, "bg.toml", GOOD)
    call_command("check")  # fixed: no error


def test_manage_py_check_wants_the_english_rules(tmp_path, monkeypatch):
    write(tmp_path, "bg.toml", GOOD)
    monkeypatch.setattr(rules, "RULES_DIR", tmp_path)
    with pytest.raises(SystemCheckError, match="en.toml"):
        call_command("check")
