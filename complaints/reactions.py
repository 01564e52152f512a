"""The complaint engine's in-transaction extension points.

Higher apps (escalation, compensation) take part in a complaint's change by registering here at
start-up; the engine calls them inside the change's transaction, after it has written the
complaint row, its TransitionLog, Message and webhook outbox rows, and before commit. What a
handler writes (deadlines and `next_due_at` for escalation; withdrawn compensation requests for
compensation) therefore commits with the change or not at all; a handler refuses the whole change
by raising. (Compensation's own holds — pending requests — are written by its services in the
same transaction before they call the engine.)

- `guard(step)` handlers run before anything is written, with the locked complaint and the
  proposed data (e.g. a promise must lie within the resolution window).
- `reaction(step)` handlers run after the engine's writes, with the list of `Change`s of one
  call: one for a single transition, many for a set-based one (the sweep). A handler works
  set-based on the list, so the single and the bulk path write the same rows.
- `public_messages(name)` handlers run with the public timeline messages a change wrote (saved
  rows, ids set), inside its transaction: the acknowledgement, apology, remedy, final message,
  a reply, the customer's own words. Every path that writes a public message announces it (the
  engine's transitions, intake, `message_add`); the set-based escalation writes only internal
  notes. A handler decides itself what it follows (e.g. only staff messages are mailed).
- `probe()` is for tests only: a callable run right after the engine has locked a complaint,
  used to hold a transaction inside its locked section (a barrier) and prove the lock.

This module is a declaration: it imports nothing of the project but the models' types.
"""

from __future__ import annotations

import contextlib
from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.core.exceptions import ImproperlyConfigured

# Steps a reaction may follow: the transitions, and the audited changes that are not.
STEPS = (
    "intake",
    "acknowledge",
    "apologize",
    "remedy",
    "escalate",
    "approve",
    "return",
    "set_limits",
    "reopen",
    "merge",
    "raise_level",
    "pause",
    "resume",
    "remedy_accept",  # the customer's written acceptance of the remedy (portal)
)


@dataclass(frozen=True)
class Facts:
    """What a reaction may read of the complaint, as it is after the change."""

    id: int
    state: str
    category: str
    severity: str
    tier: str
    created_at: datetime
    paused_at: datetime | None = None
    promised_by: datetime | None = None


@dataclass(frozen=True)
class Change:
    """One complaint's change, handed to the reactions of its step."""

    step: str
    complaint: Facts
    from_state: str
    at: datetime
    actor: Any = None
    payload: Mapping[str, Any] = field(default_factory=dict)

    @property
    def complaint_id(self) -> int:
        return self.complaint.id


# Guards vet the data of the transitions the engine fires one by one (`engine.fire`); the other
# steps carry no data to vet, so a guard for them is refused rather than silently never run.
GUARDED = (
    "acknowledge",
    "apologize",
    "remedy",
    "approve",
    "return",
    "set_limits",
    "reopen",
    "merge",
)

Guard = Callable[..., None]
Reaction = Callable[[Sequence[Change]], None]

_guards: dict[str, list[tuple[str, Guard]]] = defaultdict(list)
_reactions: dict[str, list[tuple[str, Reaction]]] = defaultdict(list)
_probes: list[Callable[[int], None]] = []
# fn(*, step, messages): `step` is the change's step, or "message" for a reply or note alone.
MessagesReaction = Callable[..., None]
_message_reactions: list[tuple[str, MessagesReaction]] = []


def _add(table: dict, steps: tuple[str, ...], name: str, fn: Callable) -> None:
    unknown = set(steps) - set(STEPS)
    if unknown or not steps:
        raise ImproperlyConfigured(f"Unknown complaint steps {sorted(unknown)!r} for {name}.")
    for step in steps:
        if any(existing == name for existing, _ in table[step]):
            raise ImproperlyConfigured(f"{name!r} is already registered for {step!r}.")
        table[step].append((name, fn))


def reaction(*steps: str, name: str) -> Callable[[Reaction], Reaction]:
    """Register `fn(changes)` to run inside the transaction of every change of `steps`."""

    def register(fn: Reaction) -> Reaction:
        _add(_reactions, steps, name, fn)
        return fn

    return register


def guard(*steps: str, name: str) -> Callable[[Guard], Guard]:
    """Register `fn(*, complaint, data)` to vet a change of `steps` before anything is written."""

    unguarded = set(steps) - set(GUARDED)
    if unguarded:
        raise ImproperlyConfigured(f"Steps {sorted(unguarded)!r} take no guards ({name}).")

    def register(fn: Guard) -> Guard:
        _add(_guards, steps, name, fn)
        return fn

    return register


def run_guards(step: str, *, complaint: Any, data: Mapping[str, Any]) -> None:
    for _name, fn in _guards.get(step, ()):
        fn(complaint=complaint, data=data)


def run_reactions(step: str, changes: Sequence[Change]) -> None:
    if not changes:
        return
    for _name, fn in _reactions.get(step, ()):
        fn(changes)


def public_messages(*, name: str) -> Callable[[MessagesReaction], MessagesReaction]:
    """Register `fn(*, step, messages)` to run, inside the change's transaction, with the public
    timeline messages the change wrote."""

    def register(fn: MessagesReaction) -> MessagesReaction:
        if any(existing == name for existing, _ in _message_reactions):
            raise ImproperlyConfigured(f"{name!r} is already registered for public messages.")
        _message_reactions.append((name, fn))
        return fn

    return register


def run_public_messages(*, step: str, messages: Sequence[Any]) -> None:
    public = [m for m in messages if m.visibility == "public"]
    if not public:
        return
    for _name, fn in _message_reactions:
        fn(step=step, messages=public)


def registered(step: str) -> list[str]:
    """Names of the reactions registered for `step`, in the order they run."""
    return [name for name, _ in _reactions.get(step, ())]


def run_probes(complaint_id: int) -> None:
    for fn in _probes:
        fn(complaint_id)


@contextlib.contextmanager
def probe(fn: Callable[[int], None]) -> Iterator[None]:
    """Tests: run `fn(complaint_id)` right after the engine locks a complaint."""
    _probes.append(fn)
    try:
        yield
    finally:
        _probes.remove(fn)


@contextlib.contextmanager
def replaced(step: str, name: str, fn: Reaction) -> Iterator[None]:
    """Tests: swap one registered reaction for `fn` (to inject a fault), then restore it."""
    table = _reactions[step]
    index = next((i for i, (n, _) in enumerate(table) if n == name), None)
    if index is None:
        raise LookupError(f"No reaction {name!r} for {step!r}.")
    original = table[index]
    table[index] = (name, fn)
    try:
        yield
    finally:
        table[index] = original
