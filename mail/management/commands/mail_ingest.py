"""`manage.py mail_ingest < message.eml`: one message from standard input, for an MTA pipe
(Postfix `mailbox_command`/aliases `|`, Exim pipe transport).

Exit 0 for every outcome the mail itself decides — ingested, duplicate, ignored, quarantined —
with one line saying which. Non-zero only for a local failure (unreadable or empty stdin, the
database or storage down): an MTA then defers and retries (EX_TEMPFAIL, 75), so nothing is lost.
"""

from __future__ import annotations

import sys

from django.core.management.base import BaseCommand, CommandError

from mail.inbound import mail_ingest

EX_TEMPFAIL = 75  # sysexits.h: the MTA keeps the message and tries again later


class Command(BaseCommand):
    help = "Ingest one email message (RFC 5322) read from standard input."
    stealth_options = ("stdin",)  # call_command(..., stdin=BytesIO(...)) in tests

    def add_arguments(self, parser):
        parser.add_argument("--source", default="stdin", help="Recorded with the mail.")

    def handle(self, *args, **options):
        stream = options.get("stdin") or sys.stdin
        stream = getattr(stream, "buffer", stream)  # bytes: the charset is the mail's business
        try:
            raw = stream.read()
        except OSError as exc:
            raise CommandError(f"Cannot read the message from stdin: {exc}", returncode=74) from exc
        if isinstance(raw, str):
            raw = raw.encode("utf-8", "surrogateescape")
        if not raw.strip():
            raise CommandError("No message on stdin.", returncode=66)
        try:
            result = mail_ingest(raw=raw, source=options["source"])
        except Exception as exc:  # a local failure: the MTA retries
            raise CommandError(
                f"Not ingested (local failure): {exc}", returncode=EX_TEMPFAIL
            ) from exc
        self.stdout.write(result.line())
