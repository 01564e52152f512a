"""The demo's first email: the coconut customer writes in by mail — `demo/coconut.eml` beside
this module, a real RFC 5322 message — and `load_demo` files it through inbound mail's one ingest
service, as if it had arrived in the inbox.

Customer mail is an app above this one, so it offers that door here at start-up
(`mail_door(fn)`, from `mail.reactions`); this module only knows the door's shape:
`fn(*, raw: bytes) -> (complaint, created)`, where `created` is False when the same mail (by its
Message-ID) was ingested before, so a second `load_demo` changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

COCONUT_EML = Path(__file__).with_name("demo") / "coconut.eml"

MailDoor = Callable[..., tuple[Any, bool]]
_doors: list[MailDoor] = []


def mail_door(fn: MailDoor) -> MailDoor:
    """Register the door through which the demo's first mail arrives (one; a second replaces
    it, so a reloaded app does not register twice)."""
    _doors[:] = [fn]
    return fn


def demo_mail_deliver(*, path: Path) -> tuple[Any, bool]:
    """File the mail in `path` through the registered door; (complaint, created)."""
    if not _doors:
        raise RuntimeError("No mail door registered: the demo needs the mail app installed.")
    return _doors[0](raw=path.read_bytes())
