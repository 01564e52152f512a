"""A real SMTP server per test (aiosmtpd on a free local port) and Django pointed at it."""

from __future__ import annotations

import email
import email.policy
import socket
from dataclasses import dataclass, field

import pytest
from aiosmtpd.controller import Controller


@dataclass
class Recorder:
    """Keeps every accepted message and the client end (host, port) of the session that brought
    it; `rcpt_reply`/`data_reply` make the server refuse instead, `refuse` only those addresses."""

    messages: list = field(default_factory=list)
    sessions: list = field(default_factory=list)
    rcpt_reply: str | None = None
    data_reply: str | None = None
    refuse: set = field(default_factory=set)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.rcpt_reply:
            return self.rcpt_reply
        if address in self.refuse:
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.data_reply:
            return self.data_reply
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.messages.append((envelope.rcpt_tos, message))
        self.sessions.append(session.peer)
        return "250 Message accepted for delivery"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp(settings):
    recorder = Recorder()
    controller = Controller(recorder, hostname="127.0.0.1", port=_free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = controller.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.MAIL_FROM = "Redress care <care@shop.example>"
    settings.MAIL_REPLY_TO = "replies@shop.example"
    settings.MAIL_SIGNATURE = "Fran, for the shop's care team"
    settings.MAIL_MESSAGE_ID_DOMAIN = "shop.example"
    try:
        yield recorder
    finally:
        controller.stop()
