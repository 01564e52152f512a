"""Bench: customer mail in and out (run by hand; nothing here runs in `make test`).

    .venv/bin/python bench/mail.py                       # 1,000 in, 1,000 out, fresh SQLite
    .venv/bin/python bench/mail.py -n 5000 --database-url postgres://root@127.0.0.1:5432/mail_bench

In: writes N mails into a fresh maildir — two thirds new complaints, one third replies (by
In-Reply-To) to complaints filed earlier in the run — and times one `maildir_poll` ingesting all
of them. Out: adds a public staff reply to N complaints (N outbound mail rows, untimed), starts a
local SMTP server (aiosmtpd, its own process, accepting and discarding) and times
`mail_send_due` sending all of them. Prints seconds, mails/s and this process's CPU seconds for
both (target: <= 20 s each for 1,000; the CPU figure tells a busy machine from a slow path).

Without --database-url it uses a fresh SQLite file in a temporary folder; a PostgreSQL database
named in the URL is dropped and created afresh (do not point it at real data).
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("-n", type=int, default=1000, help="mails in, and mails out (default 1000)")
    p.add_argument("--database-url", default="", help="default: a fresh SQLite file")
    return p.parse_args()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fresh_postgres(url: str) -> None:
    import psycopg
    from psycopg import sql

    name = sql.Identifier(url.rsplit("/", 1)[1])
    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(name))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(name))


def mail_bytes(i: int, replies_to: int | None) -> bytes:
    sender = f"customer{replies_to if replies_to is not None else i}@bench.example"
    head = [
        f"From: Customer {i} <{sender}>",
        "To: care@shop.example",
        "Date: Fri, 04 Dec 2026 10:00:00 +0100",
        f"Message-ID: <bench-{i}@client.example>",
        "MIME-Version: 1.0",
        "Content-Type: text/plain; charset=utf-8",
        "Content-Transfer-Encoding: quoted-printable",
    ]
    if replies_to is None:
        head.append(f"Subject: Order {i}: the opener is missing")
        body = f"I ordered coconuts (order {i}) and the opener was not in the box. Please help."
    else:
        head.append(f"Subject: Re: Order {replies_to}: the opener is missing")
        head.append(f"In-Reply-To: <bench-{replies_to}@client.example>")
        body = (
            "Still nothing arrived, and nobody wrote back.\n\n"
            f"On Fri, Customer {replies_to} wrote:\n> I ordered coconuts"
        )
    return ("\r\n".join(head) + "\r\n\r\n" + body.replace("\n", "\r\n") + "\r\n").encode()


def write_maildir(root: Path, n: int) -> tuple[int, int]:
    """N files in root/new: every third one a reply to the first new complaint not yet answered,
    named so that a reply sorts after the mail it answers."""
    new = root / "new"
    new.mkdir(parents=True)
    news = replies = 0
    for i in range(n):
        replies_to = (i // 3) * 3 if i % 3 == 2 else None  # 0, 1 new; 2 answers 0; ...
        (new / f"{i:07d}.bench:2,").write_bytes(mail_bytes(i, replies_to))
        if replies_to is None:
            news += 1
        else:
            replies += 1
    return news, replies


def main() -> None:
    args = parse_args()
    work = Path(tempfile.mkdtemp(prefix="redress-mail-bench-"))
    url = args.database_url or f"sqlite:///{work / 'bench.sqlite3'}"
    if url.startswith("postgres"):
        fresh_postgres(url)
    port = free_port()
    os.environ.update(
        DATABASE_URL=url,
        DJANGO_SETTINGS_MODULE="config.settings",
        CELERY_BROKER_URL="memory://",  # the enqueues after commit go nowhere: we time the sweep
        MEDIA_ROOT=str(work / "media"),
        MAIL_INBOX_DIR=str(work / "inbox"),
        MAIL_QUARANTINE_DIR=str(work / "quarantine"),
        EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=str(port),
        MAIL_FROM="Customer care <care@shop.example>",
    )
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.core.management import call_command

    from complaints import services as complaint_services
    from complaints.models import Complaint, Message
    from mail.maildir import maildir_poll
    from mail.models import InboundMail, MailAttempt, OutboundMail
    from mail.services import mail_send_due

    print(f"database: {url.split('@')[-1]}")
    call_command("migrate", verbosity=0, interactive=False)

    # --- in ---------------------------------------------------------------------------------
    news, replies = write_maildir(work / "inbox", args.n)
    started, cpu = time.perf_counter(), time.process_time()
    counts = maildir_poll(limit=args.n)
    took, cpu = time.perf_counter() - started, time.process_time() - cpu
    threaded = Message.objects.filter(kind="customer").count() - Complaint.objects.count()
    print(
        f"ingest: {args.n} mails ({news} new complaints, {replies} replies) in {took:.2f} s: "
        f"{args.n / took:.0f} mails/s (CPU {cpu:.1f} s)  {counts}"
    )
    assert counts == {"ingested": args.n}, counts
    assert Complaint.objects.count() == news and threaded == replies, (news, threaded)
    assert InboundMail.objects.count() == args.n

    # --- out --------------------------------------------------------------------------------
    agent, _ = get_user_model().objects.get_or_create(
        username="bench-agent", defaults={"is_staff": True, "first_name": "Fran"}
    )
    agent.groups.add(Group.objects.get(name="frontline"))
    ids = list(Complaint.objects.order_by("pk").values_list("pk", flat=True))
    for k in range(args.n):
        complaint_services.message_add(
            complaint_id=ids[k % len(ids)],
            actor=agent,
            body="Thank you for writing; the opener is on its way by express today.",
        )
    assert OutboundMail.objects.filter(status="pending").count() == args.n
    server = subprocess.Popen(
        [sys.executable, "-m", "aiosmtpd", "-n", "-c", "aiosmtpd.handlers.Sink"]
        + ["-l", f"127.0.0.1:{port}"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)
        started, cpu = time.perf_counter(), time.process_time()
        sent = mail_send_due(batch_size=args.n)
        took, cpu = time.perf_counter() - started, time.process_time() - cpu
    finally:
        server.terminate()
        server.wait(10)
    print(
        f"send: {args.n} mails to a local SMTP server in {took:.2f} s: "
        f"{args.n / took:.0f} mails/s (CPU {cpu:.1f} s, ours; the server's is its own)  {sent}"
    )
    assert sent == {"sent": args.n}, sent
    assert MailAttempt.objects.filter(outcome="sent").count() == args.n


if __name__ == "__main__":
    main()
