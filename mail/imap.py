"""The IMAP door of inbound mail: beat polls one mailbox folder over TLS and hands every message
to the one ingest service (`mail.inbound.mail_ingest`).

Guarantees:
- Always encrypted and verified: implicit TLS (`MAIL_IMAP_SECURITY=tls`) or STARTTLS
  (`starttls`), the certificate checked against the system's CAs or `MAIL_IMAP_CA_FILE`'s.
- A message is fetched without being marked (`BODY.PEEK[]`); only after its ingest committed is
  it flagged `\\Seen` (and moved to `MAIL_IMAP_PROCESSED_FOLDER` when set). A crash in between
  leaves it unmarked: the next poll fetches it again and ingest answers "duplicate" (unique
  Message-ID), so it is marked then, never ingested twice.
- A message ingest quarantines (unreadable, too big, rate-limited) is flagged `\\Seen` and
  `\\Flagged` (and moved to `MAIL_IMAP_QUARANTINE_FOLDER` when set); its original and reason are
  in the database. A local failure (database, storage) leaves the message unmarked for the next
  poll. Nothing a message holds makes the poller raise; a server that cannot be reached is
  logged and tried again at the next beat.
- One poller per mailbox: a `PollLease` row claimed by a conditional UPDATE. A second beat (or
  host) that finds it held returns at once; a poll stops taking new messages well before its
  lease ends, and a poller that died frees the mailbox when the lease ends.
"""

from __future__ import annotations

import imaplib
import logging
import re
import secrets
import ssl
import time
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from mail.inbound import IngestResult, mail_ingest
from mail.models import PollLease

log = logging.getLogger(__name__)

UID = re.compile(rb"UID (\d+)")


@dataclass(frozen=True)
class ImapConfig:
    host: str
    port: int
    user: str
    password: str
    folder: str = "INBOX"
    processed_folder: str = ""
    quarantine_folder: str = ""
    security: str = "tls"
    ca_file: str = ""
    timeout: int = 30

    @classmethod
    def from_settings(cls) -> ImapConfig:
        return cls(
            host=settings.MAIL_IMAP_HOST,
            port=settings.MAIL_IMAP_PORT,
            user=settings.MAIL_IMAP_USER,
            password=settings.MAIL_IMAP_PASSWORD,
            folder=settings.MAIL_IMAP_FOLDER or "INBOX",
            processed_folder=settings.MAIL_IMAP_PROCESSED_FOLDER,
            quarantine_folder=settings.MAIL_IMAP_QUARANTINE_FOLDER,
            security=settings.MAIL_IMAP_SECURITY,
            ca_file=settings.MAIL_IMAP_CA_FILE,
            timeout=settings.MAIL_IMAP_TIMEOUT,
        )

    @property
    def mailbox(self) -> str:
        return f"imap://{self.user}@{self.host}:{self.port}/{self.folder}"[:200]

    @property
    def lease(self) -> timedelta:
        # Room for the whole poll: it stops taking new messages half-way through (see _poll).
        return timedelta(seconds=max(300, 20 * self.timeout))


# --- the lease: one poller per mailbox ----------------------------------------------------------


def poll_lease_acquire(*, name: str, duration: timedelta) -> str | None:
    """Claim the mailbox `name` for `duration`; returns the holder's token, or None when another
    poller holds it."""
    PollLease.objects.get_or_create(name=name)
    now = timezone.now()
    token = secrets.token_hex(16)
    claimed = (
        PollLease.objects.filter(name=name)
        .filter(Q(held_until__isnull=True) | Q(held_until__lte=now))
        .update(holder=token, held_until=now + duration)
    )
    return token if claimed else None


def poll_lease_release(*, name: str, token: str) -> None:
    """Free the mailbox if we still hold it (a lease that ended may be someone else's now)."""
    PollLease.objects.filter(name=name, holder=token).update(holder="", held_until=None)


# --- polling ----------------------------------------------------------------------------------


def _quoted(folder: str) -> str:
    """A folder name as an IMAP quoted string (imaplib sends arguments as they are)."""
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'


def imap_connect(config: ImapConfig) -> imaplib.IMAP4:
    """A logged-in connection, encrypted before the password is sent."""
    context = ssl.create_default_context(cafile=config.ca_file or None)
    if config.security == "starttls":
        conn = imaplib.IMAP4(config.host, config.port, timeout=config.timeout)
    else:
        conn = imaplib.IMAP4_SSL(
            config.host, config.port, ssl_context=context, timeout=config.timeout
        )
    try:
        if config.security == "starttls":
            conn.starttls(ssl_context=context)
        conn.login(config.user, config.password)
    except BaseException:
        conn.shutdown()  # no socket left open behind a refused certificate or password
        raise
    return conn


def imap_poll(*, config: ImapConfig | None = None, limit: int = 500) -> dict[str, int]:
    """Ingest up to `limit` messages from the folder; returns counts by what happened to them
    (ingested, duplicate, ignored, quarantined; retry: not ingested, left for the next poll;
    unfiled: ingested, but the server refused to mark or move it; later: the poll's time was up;
    busy: another poller holds the mailbox; error: the connection failed us)."""
    config = config or ImapConfig.from_settings()
    if not config.host:
        return {}
    token = poll_lease_acquire(name=config.mailbox, duration=config.lease)
    if token is None:
        return {"busy": 1}
    counts: dict[str, int] = {}
    try:
        _poll(config=config, limit=limit, counts=counts)
    except (imaplib.IMAP4.error, OSError) as exc:  # ssl.SSLError and timeouts are OSErrors
        log.warning("IMAP poll of %s stopped: %s", config.mailbox, exc)
        counts["error"] = counts.get("error", 0) + 1
    finally:
        poll_lease_release(name=config.mailbox, token=token)
    return counts


def _poll(*, config: ImapConfig, limit: int, counts: dict[str, int]) -> None:
    stop_at = time.monotonic() + config.lease.total_seconds() / 2
    conn = imap_connect(config)
    try:
        for folder in (config.processed_folder, config.quarantine_folder):
            if folder:
                conn.create(_quoted(folder))  # NO when it exists already: fine
        typ, data = conn.select(_quoted(config.folder))
        if typ != "OK":
            raise imaplib.IMAP4.error(f"cannot select {config.folder}: {data!r}")
        # With a processed folder, whatever is still in the folder is new (a person reading the
        # mailbox may have marked it seen); without one, the unseen messages are.
        criteria = "UNDELETED" if config.processed_folder else "UNSEEN UNDELETED"
        typ, data = conn.uid("SEARCH", None, criteria)
        if typ != "OK":
            raise imaplib.IMAP4.error(f"search failed: {data!r}")
        uids = (data[0] or b"").split()[:limit]
        # The capabilities after login (imaplib keeps the ones the server showed before it).
        typ, data = conn.capability()
        capabilities = set((data[0] or b"").decode("ascii", "replace").upper().split())
        can_move = "MOVE" in capabilities
        deleted: list[bytes] = []
        for uid in uids:
            if time.monotonic() > stop_at:
                counts["later"] = counts.get("later", 0) + 1
                break
            raw = _fetch(conn, uid)
            if raw is None:  # expunged meanwhile by someone else
                continue
            try:
                result = mail_ingest(raw=raw, source="imap")
            except Exception:  # a local failure: leave it unmarked for the next poll
                log.exception("IMAP message %s not ingested; left for the next poll", uid)
                counts["retry"] = counts.get("retry", 0) + 1
                continue
            filed = _file(conn, uid=uid, result=result, config=config, can_move=can_move)
            if filed == "deleted":
                deleted.append(uid)
            elif filed == "unfiled":
                counts["unfiled"] = counts.get("unfiled", 0) + 1
            counts[result.kind] = counts.get(result.kind, 0) + 1
        if deleted and "UIDPLUS" in capabilities:  # only ours, not what others marked deleted
            conn.uid("EXPUNGE", b",".join(deleted))
        elif deleted:
            conn.expunge()
        # No CLOSE: it would expunge what others marked deleted too; LOGOUT leaves it be.
    finally:
        try:
            conn.logout()
        except (imaplib.IMAP4.error, OSError):
            pass


def _fetch(conn: imaplib.IMAP4, uid: bytes) -> bytes | None:
    typ, data = conn.uid("FETCH", uid, "(BODY.PEEK[])")
    if typ != "OK":
        raise imaplib.IMAP4.error(f"fetch {uid!r} failed: {data!r}")
    for part in data:
        if isinstance(part, tuple):
            match = UID.search(part[0])
            if match and match.group(1) == uid:
                return part[1]
    return None


def _file(
    conn: imaplib.IMAP4, *, uid: bytes, result: IngestResult, config: ImapConfig, can_move: bool
) -> str:
    """Mark (and move) a message whose ingest committed: "filed"; "deleted" when it waits for
    an EXPUNGE (copied, then marked deleted, on a server without MOVE); "unfiled" when the server
    refused (logged: the message stays, and the next poll's ingest calls it a duplicate)."""
    quarantined = result.kind == "quarantined"
    flags = r"(\Seen \Flagged)" if quarantined else r"(\Seen)"
    typ, data = conn.uid("STORE", uid, "+FLAGS.SILENT", flags)
    target = config.quarantine_folder if quarantined else config.processed_folder
    if typ == "OK" and target:
        if can_move:
            typ, data = conn.uid("MOVE", uid, _quoted(target))
        else:
            typ, data = conn.uid("COPY", uid, _quoted(target))
            if typ == "OK":
                conn.uid("STORE", uid, "+FLAGS.SILENT", r"(\Deleted)")
                return "deleted"
    if typ != "OK":
        log.warning("IMAP message %s (%s) ingested but not filed: %r", uid, result.msgid, data)
        return "unfiled"
    return "filed"
