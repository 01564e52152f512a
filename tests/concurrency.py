"""Forced interleavings for the PostgreSQL race tests.

Two threads started at a barrier may or may not overlap, so such a test passes just as well
without the lock it means to prove. `race()` makes the overlap certain: thread A runs its call
and is held at a gate placed right after it has taken the lock; only then does thread B start
its call. While A is held, B must neither pass the gate nor return — that is the lock,
observed. Then A is released and both outcomes are handed back for the test to judge.

The default gate is `complaints.reactions.probe` (right after the engine's complaint row lock);
`after(target, name)` places one after any other function or method, e.g. the
customer lock of compensation, or an insert that takes a unique key. Each thread closes its own database connections.

`parallel(calls)` is the loose kind, for a measurement rather than a proof: many calls released
at once from a barrier, each in its own thread and connection, their outcomes in order.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from django.db import connections

from complaints import reactions

Gate = Callable[..., None]
Installer = Callable[[Gate], contextlib.AbstractContextManager]
TIMEOUT = 15.0  # seconds: a broken test fails rather than hangs
WAIT = 0.5  # seconds B is given to get past a lock it should be waiting on


@dataclass(frozen=True)
class Race:
    first: Any  # what A's call returned, or the exception it raised
    second: Any  # the same for B
    second_waited: bool  # B neither passed the gate nor returned while A was held


def race(
    first: Callable[[], Any], second: Callable[[], Any], *, gate: Installer = reactions.probe
) -> Race:
    """Run `first` in thread A, hold it at the gate, run `second` in thread B, then release A."""
    held, release, passed = threading.Event(), threading.Event(), threading.Event()
    outcomes: dict[str, Any] = {}

    def run(key: str, call: Callable[[], Any]) -> None:
        try:
            outcomes[key] = call()
        except Exception as exc:  # noqa: BLE001 - the outcome is what the test asserts on
            outcomes[key] = exc
        finally:
            connections.close_all()

    a = threading.Thread(target=run, args=("a", first), name="race-A")
    b = threading.Thread(target=run, args=("b", second), name="race-B")

    def at_gate(*_: Any) -> None:
        me = threading.current_thread()
        if me is a and not held.is_set():
            held.set()
            release.wait(TIMEOUT)
        elif me is b:
            passed.set()

    with gate(at_gate):
        a.start()
        while not held.wait(0.05) and a.is_alive():
            pass
        if not held.is_set():
            a.join()
            raise AssertionError(f"A finished without reaching the gate: {outcomes.get('a')!r}")
        b.start()
        b.join(WAIT)
        waited = b.is_alive() and not passed.is_set()
        release.set()
        a.join(TIMEOUT)
        b.join(TIMEOUT)
    assert not (a.is_alive() or b.is_alive()), "a racer hung"
    return Race(outcomes["a"], outcomes["b"], waited)


def after(target: Any, name: str) -> Installer:
    """A gate right after `target.<name>(...)` returns: for a lock that is not the complaint's."""

    @contextlib.contextmanager
    def install(gate: Gate) -> Iterator[None]:
        original, own = getattr(target, name), name in vars(target)

        def wrapped(*args: Any, **kwargs: Any) -> Any:
            result = original(*args, **kwargs)
            gate()
            return result

        setattr(target, name, wrapped)
        try:
            yield
        finally:
            if own:
                setattr(target, name, original)
            else:  # a method looked up on the class (e.g. a manager's `create`)
                delattr(target, name)

    return install


def parallel(calls: list[Callable[[], Any]]) -> list[Any]:
    """Run every call in its own thread (own connection), all released at once from a barrier;
    returns what each returned or raised, in the order of `calls`."""
    start = threading.Barrier(len(calls))
    outcomes: list[Any] = [None] * len(calls)

    def run(i: int, call: Callable[[], Any]) -> None:
        try:
            start.wait(TIMEOUT)
            outcomes[i] = call()
        except Exception as exc:  # noqa: BLE001 - the outcome is what the test asserts on
            outcomes[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(TIMEOUT * 4)
    assert not any(t.is_alive() for t in threads), "a call hung"
    return outcomes
