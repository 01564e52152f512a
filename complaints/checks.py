"""System checks of the complaints app: the tone rules files load (`manage.py check`, and so
every deploy and test run, refuses a malformed file with the file, the rule and the reason).

Registered in `ComplaintsConfig.ready`; reads files only, never the database.
"""

from __future__ import annotations

from typing import Any

from django.core import checks

from complaints.tone import rules


@checks.register()
def tone_rules_check(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    try:
        rules.load_rule_sets(rules.RULES_DIR)
    except rules.ToneRulesError as exc:
        return [
            checks.Error(
                f"The tone rules cannot be used: {exc}",
                hint=f"Fix the file in {rules.RULES_DIR.name}/ (see en.toml for the format).",
                id="complaints.E001",
            )
        ]
    return []
