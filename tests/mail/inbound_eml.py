"""Real RFC 5322 messages for the inbound tests, built byte by byte the way mail clients send
them: a declared charset, a transfer encoding, RFC 2047 encoded headers."""

from __future__ import annotations

import base64
import quopri
from email.header import Header
from email.utils import formatdate

CODECS = {"gb2312": "gb2312", "big5": "big5", "tis-620": "tis-620", "windows-1251": "cp1251"}


def encoded_header(text: str, charset: str) -> str:
    return Header(text, charset).encode()


def eml(
    *,
    body: str = "The opener was missing from my coconut box.",
    subject: str = "Coconut opener missing",
    sender: str = "Ann Lee <ann@example.com>",
    msgid: str | None = "<m1@client.example>",
    charset: str = "utf-8",
    cte: str = "8bit",
    html: bool = False,
    headers: dict[str, str] | None = None,
    subject_charset: str | None = None,
) -> bytes:
    codec = CODECS.get(charset, charset)
    data = body.encode(codec)
    if cte == "base64":
        payload = base64.encodebytes(data)
    elif cte == "quoted-printable":
        payload = quopri.encodestring(data)
    else:
        payload = data
    subj = encoded_header(subject, subject_charset) if subject_charset else subject
    lines = []
    if sender:
        lines.append(f"From: {sender}")
    lines += ["To: care@shop.example", f"Subject: {subj}", f"Date: {formatdate()}"]
    if msgid:
        lines.append(f"Message-ID: {msgid}")
    for name, value in (headers or {}).items():
        lines.append(f"{name}: {value}")
    lines += [
        "MIME-Version: 1.0",
        f"Content-Type: text/{'html' if html else 'plain'}; charset={charset}",
        f"Content-Transfer-Encoding: {cte}",
    ]
    head = "\r\n".join(lines).encode("ascii", "surrogateescape")
    return head + b"\r\n\r\n" + payload.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


def dsn(*, recipient: str, original_msgid: str, msgid: str = "<dsn1@mx.example>") -> bytes:
    """A delivery-status notification (RFC 3464) as Postfix writes it."""
    return (
        "From: MAILER-DAEMON@mx.example (Mail Delivery System)\r\n"
        "To: care@shop.example\r\n"
        "Subject: Undelivered Mail Returned to Sender\r\n"
        f"Message-ID: {msgid}\r\n"
        "Auto-Submitted: auto-replied\r\n"
        "MIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="B"\r\n'
        "\r\n"
        "--B\r\n"
        "Content-Type: text/plain\r\n\r\n"
        "I'm sorry to have to inform you that your message could not be delivered.\r\n"
        "--B\r\n"
        "Content-Type: message/delivery-status\r\n\r\n"
        "Reporting-MTA: dns; mx.example\r\n\r\n"
        f"Final-Recipient: rfc822; {recipient}\r\n"
        "Action: failed\r\n"
        "Status: 5.1.1\r\n"
        "Diagnostic-Code: smtp; 550 5.1.1 user unknown\r\n"
        "\r\n"
        "--B\r\n"
        "Content-Type: text/rfc822-headers\r\n\r\n"
        "From: care@shop.example\r\n"
        f"To: {recipient}\r\n"
        f"Message-ID: {original_msgid}\r\n"
        "Subject: [CMP-2026-000001] Coconut opener missing\r\n"
        "--B--\r\n"
    ).encode("ascii")
