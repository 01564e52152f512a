"""The workflow buttons of the complaint page: the `ACTIONS` table and what each button runs.

Each runner only unpacks its form's cleaned data and calls one service (or the shared handler in
`complaints.extensions` for Remedy / Approve / Return, the same one the API calls); no rule is
decided here. `ACTIONS` is read-only: higher apps change an entry only through
`extensions.admin_action`, and `workflow_actions()` is the table as extended. Also here: how
workflow steps read in the timeline (`STEP_LABELS`, `timeline_for_display`).
Imports only from complaints and Django; never escalation or compensation.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from types import MappingProxyType
from typing import Any

from django import forms as django_forms
from django.utils.translation import gettext_lazy as _

from complaints import extensions, forms, notes, selectors, services
from complaints.models import State


@dataclass(frozen=True)
class Action:
    label: str
    form: type[django_forms.Form]
    run: Callable[..., Any]  # (complaint_id=, actor=, data=, expected_version=) -> Any
    style: str = "default"
    # (complaint_id=, result=) -> a warning to show after success, or None
    notice: Callable[..., str | None] | None = None


def _ack(**kw):
    d = kw.pop("data")
    return services.complaint_acknowledge(
        summary=d["summary"],
        message=d["message"],
        promised_by=d["promised_by"],
        summary_confirmed=d["summary_confirmed"],
        **kw,
    )


def _apologize(**kw):
    d = kw.pop("data")
    return services.complaint_apologize(message=d["message"], fault=d["fault"], **kw)


def _remedy(**kw):
    d = kw.pop("data")
    return extensions.complaint_remedy(
        message=d["message"],
        root_cause=d["root_cause"],
        outcome=d["outcome"],
        outcome_reason=d["outcome_reason"],
        items=d.get("items", ()),
        **kw,
    )


def _escalate(**kw):
    return services.complaint_escalate(reason=kw.pop("data")["reason"], **kw)


def _approve(**kw):
    d = kw.pop("data")
    return extensions.complaint_approve(
        note=d["note"], outcome=d["outcome"], outcome_reason=d["outcome_reason"], **kw
    )


def _return(**kw):
    return extensions.complaint_return(note=kw.pop("data")["note"], **kw)


def _set_limits(**kw):
    d = kw.pop("data")
    return services.complaint_set_limits(
        reason=d["reason"],
        message=d["message"],
        abuse=d["abuse"],
        outcome=d["outcome"],
        outcome_reason=d["outcome_reason"],
        **kw,
    )


def _reopen(**kw):
    return services.complaint_reopen(message=kw.pop("data")["message"], **kw)


def _merge(**kw):
    d = kw.pop("data")
    return services.complaint_merge(into_id=d["into"], reason=d["reason"], **kw)


def _merged_notice(*, complaint_id: int, result: Any) -> str | None:
    return _("Its timeline, deadlines and compensation now live in %(ref)s.") % {
        "ref": result.reference
    }


def _pause(**kw):
    d = kw.pop("data")
    return services.complaint_pause(reason=d["reason"], until=d["until"], **kw)


def _resume(**kw):
    kw.pop("data")
    return services.complaint_resume(**kw)


def _take(**kw):
    kw.pop("data")
    kw.pop("expected_version")
    return services.complaint_assign(assignee=kw["actor"], **kw)


# Which canned texts a transition's message box offers first.
CANNED_FOR = {
    "acknowledge": "empathy",
    "apologize": "apology",
    "remedy": "remedy",
    "set_limits": "limit_setting",
}

# The workflow buttons as complaints declares them. Read-only: an entry changes only through
# `extensions.admin_action`, and `workflow_actions()` is the table as extended.
ACTIONS: Mapping[str, Action] = MappingProxyType(
    {
        "acknowledge": Action(_("Acknowledge"), forms.AcknowledgeForm, _ack, "primary"),
        "apologize": Action(_("Apologize"), forms.ApologizeForm, _apologize, "primary"),
        "remedy": Action(_("Remedy"), forms.RemedyForm, _remedy, "primary"),
        "escalate": Action(_("Escalate"), forms.ReasonForm, _escalate),
        "approve": Action(_("Approve"), forms.ApproveForm, _approve, "primary"),
        "return": Action(_("Return"), forms.ReturnForm, _return),
        "set_limits": Action(_("Set limits"), forms.SetLimitsForm, _set_limits, "danger"),
        "reopen": Action(_("Reopen"), forms.MessageOnlyForm, _reopen),
        "merge": Action(_("Merge"), forms.MergeForm, _merge, notice=_merged_notice),
        "pause": Action(_("Pause clock"), forms.PauseForm, _pause),
        "resume": Action(_("Resume clock"), forms.EmptyForm, _resume),
        "take": Action(_("Take it"), forms.EmptyForm, _take),
    }
)


def workflow_actions() -> dict[str, Action]:
    """`ACTIONS` with the changes higher apps registered through `extensions.admin_action`."""
    changes = extensions.admin_action_changes()
    return {name: replace(action, **changes.get(name, {})) for name, action in ACTIONS.items()}


# How workflow steps read in the timeline (TransitionLog.transition -> label); unknown steps,
# such as those higher apps log, fall back to their name.
STEP_LABELS = {
    "intake": _("Complaint filed"),
    **{name: action.label for name, action in ACTIONS.items()},
    "pause": _("Clock paused"),
    "resume": _("Clock resumed"),
    "raise_level": _("Escalation level raised"),
    "assign": _("Assigned"),
    "merge_in": _("Merged in"),
    "anonymise": _("Customer anonymised"),
}


def timeline_for_display(entries: list[selectors.TimelineEntry]) -> list[selectors.TimelineEntry]:
    """Timeline entries with step titles in the user's language ("Acknowledge: Venting →
    Acknowledged") and system actors named in it; messages keep their (already translated)
    titles."""
    states = dict(State.choices)
    shown = []
    for entry in entries:
        if entry.step:
            title = str(STEP_LABELS.get(entry.step, entry.step.replace("_", " ")))
            if entry.from_state != entry.to_state:
                title = f"{title}: {states.get(entry.from_state, entry.from_state)} → " + str(
                    states.get(entry.to_state, entry.to_state)
                )
            entry = replace(entry, title=title)
        shown.append(replace(entry, author=notes.actor_name(entry.author)))
    return shown
