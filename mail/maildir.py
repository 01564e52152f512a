"""The maildir door of inbound mail (the zero-service demo, or an MTA delivering to a maildir):
every file in `<MAIL_INBOX_DIR>/new/` is ingested once and moved on.

Guarantees:
- A file is claimed by an atomic rename into `processing/` before it is read: of two pollers
  (two beat ticks, two hosts on one shared folder) exactly one gets it; the other's rename fails
  and it moves on.
- After ingest the file goes to `cur/` (ingested, duplicate or ignored: its bytes are also in
  storage) or to `MAIL_QUARANTINE_DIR` with a `<name>.reason.txt` beside it (quarantined).
- A local failure (database or storage down) puts the file back into `new/` for the next poll;
  a claim left behind by a poller that died is put back after `STALE_CLAIM`. Nothing is lost.
"""

from __future__ import annotations

import logging
import os
import time
from pathlib import Path

from django.conf import settings

from mail.inbound import mail_ingest

log = logging.getLogger(__name__)

STALE_CLAIM = 600  # seconds: longer than any ingest takes


def _inbox() -> Path:
    return Path(settings.MAIL_INBOX_DIR)


def _quarantine_dir() -> Path:
    return Path(getattr(settings, "MAIL_QUARANTINE_DIR", _inbox().parent / "quarantine"))


def _move(src: Path, dest_dir: Path, name: str) -> Path:
    dest_dir.mkdir(parents=True, exist_ok=True)
    dest = dest_dir / name
    os.replace(src, dest)
    return dest


def maildir_poll(*, directory: Path | str | None = None, limit: int = 500) -> dict[str, int]:
    """Ingest up to `limit` files from `new/`; returns counts by what happened to them."""
    root = Path(directory) if directory else _inbox()
    new, cur, processing = root / "new", root / "cur", root / "processing"
    for folder in (new, cur, processing, root / "tmp"):
        folder.mkdir(parents=True, exist_ok=True)
    _unstick(processing, new)
    counts: dict[str, int] = {}
    for entry in sorted(os.scandir(new), key=lambda e: e.name)[:limit]:
        if not entry.is_file() or entry.name.startswith("."):
            continue
        claimed = processing / entry.name
        try:
            os.rename(entry.path, claimed)  # atomic: the one poller that wins owns the file
        except FileNotFoundError:
            continue  # another poller took it
        try:
            result = mail_ingest(raw=claimed.read_bytes(), source="maildir")
        except Exception:
            log.exception("Inbound mail %s not ingested; left for the next poll", entry.name)
            _move(claimed, new, entry.name)
            counts["retry"] = counts.get("retry", 0) + 1
            continue
        if result.kind == "quarantined":
            quarantine = _quarantine_dir()
            _move(claimed, quarantine, entry.name)
            (quarantine / f"{entry.name}.reason.txt").write_text(
                f"{result.msgid}\n{result.reason}\n", encoding="utf-8"
            )
        else:
            base = entry.name.split(":2,")[0]
            _move(claimed, cur, f"{base}:2,S")  # maildir's "seen" flag
        counts[result.kind] = counts.get(result.kind, 0) + 1
    return counts


def _unstick(processing: Path, new: Path) -> None:
    """Claims older than STALE_CLAIM belong to a poller that died: put them back."""
    cutoff = time.time() - STALE_CLAIM
    for entry in os.scandir(processing):
        try:
            if entry.is_file() and entry.stat().st_mtime < cutoff:
                os.rename(entry.path, new / entry.name)
        except FileNotFoundError:
            continue
