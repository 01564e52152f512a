"""System notes and log reasons stored as a code and its parameters, read in the reader's language.

What the system writes itself — "Approved: …", "Escalated to team lead: …", a breached deadline,
a bounced email, compensation withdrawn — is stored as a `Note`: a code (`approved`) and its
parameters (`{"note": "faulty batch"}`), beside a stable English text (`Message.body`,
`TransitionLog.reason`) that the API and webhooks keep returning as they always did. Screens call
`render` at display time, so a Chinese-, Thai- or Bulgarian-speaking agent reads the note in their
language, whatever the site language was when it was written.

Guarantees:
- `Note.english()` is the text stored with it; `render(code, params, fallback)` is the same note in
  the active language, and `fallback` (the stored text) for a blank or unknown code, so rows
  written before codes existed read as they were.
- A parameter may itself be a note (`{"code": …, "params": …}`), rendered the same way (an
  escalation's reason is a breached deadline); a code's `renderers` turn a stored value (a tier
  code, a deadline kind, an ISO time) into its label when the note is read; an ISO time is shown in
  the reader's time zone.
- Higher apps define their own codes (`define`) at import of the module that writes them; this
  module imports only Django.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from core import roles

Renderer = Callable[[Any], str]


@dataclass(frozen=True)
class _Definition:
    template: Promise
    renderers: Mapping[str, Renderer]


_DEFINED: dict[str, _Definition] = {}


def define(code: str, template: Promise, **renderers: Renderer) -> str:
    """Make `code` known: `template` is a lazily translated text with `%(name)s` placeholders,
    `renderers` turn stored parameters into display text. Returns the code."""
    _DEFINED[code] = _Definition(template=template, renderers=renderers)
    return code


_ACTORS: dict[str, Promise] = {}


def define_actor(label: str, name: Promise) -> str:
    """Make the stored actor label of a system actor ("system: deadline sweep") known, with the
    name it is shown under in the reader's language. Returns the label."""
    _ACTORS[label] = name
    return label


def actor_name(label: str) -> str:
    """How the author `label` is shown: a system actor's name in the reader's language; any
    other label (a person's name) as it is."""
    name = _ACTORS.get(label)
    return str(name) if name is not None else label


def defined() -> dict[str, Promise]:
    """Every known code and its (untranslated) template: for tests and documentation."""
    return {code: d.template for code, d in _DEFINED.items()}


@dataclass(frozen=True)
class Note:
    """A system text as it is stored: its code and JSON-safe parameters."""

    code: str
    params: dict[str, Any] = field(default_factory=dict)

    def render(self) -> str:
        """The note in the active language."""
        return render(self.code, self.params)

    def english(self) -> str:
        """The stable English text stored beside the code (API, webhooks, audit)."""
        with translation.override("en"):
            return self.render()

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "params": self.params}


def when(value: Any) -> str:
    """An ISO time stored in a note, in the reader's time zone."""
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        return str(value)
    if timezone.is_naive(moment):
        return str(value)
    local = timezone.localtime(moment)
    return f"{local:%Y-%m-%d %H:%M} {local.tzname()}"


def _param(definition: _Definition, name: str, value: Any) -> str:
    if isinstance(value, Mapping) and "code" in value:
        return render(value.get("code", ""), value.get("params") or {}, value.get("text", ""))
    renderer = definition.renderers.get(name)
    if renderer is not None:
        try:
            return str(renderer(value))
        except (KeyError, ValueError, TypeError):
            return str(value)
    return str(value)


def render(code: str, params: Mapping[str, Any] | None, fallback: str = "") -> str:
    """The note `code` with `params` in the active language; `fallback` if the code is unknown."""
    definition = _DEFINED.get(code or "")
    if definition is None:
        return fallback
    values = {name: _param(definition, name, v) for name, v in (params or {}).items()}
    try:
        return str(definition.template) % values
    except (KeyError, ValueError, TypeError):
        return fallback


def split(value: str | Note) -> tuple[str, str, dict[str, Any]]:
    """(English text, code, params) to store for a reason given as text or as a note."""
    if isinstance(value, Note):
        return value.english(), value.code, value.params
    return value, "", {}


def stored(code: str, params: Mapping[str, Any] | None, text: str) -> dict[str, Any] | str:
    """A reason as a parameter of another note: the note if it has a code, else its text."""
    if code:
        return {"code": code, "params": dict(params or {}), "text": text}
    return text


# --- the complaints app's own notes ----------------------------------------------------------


def _tier(value: Any) -> str:
    return str(roles.tier_name(str(value)))


APPROVED = define("approved", _("Approved: %(note)s"))
RETURNED = define("returned", _("Returned with guidance: %(note)s"))
LIMITS_SET = define("limits_set", _("Limits set: %(note)s"))
ESCALATED = define("escalated", _("Escalated to %(tier)s: %(reason)s"), tier=_tier)
RAISED = define("raised", _("Raised to %(tier)s: %(reason)s"), tier=_tier)

define_actor("system", _("System"))
