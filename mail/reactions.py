"""What the mail app does inside a complaint's change, registered with the complaint engine once
at start-up: every public staff message gets its outbound mail row in the same transaction."""

from __future__ import annotations

from complaints import reactions
from mail import services


def register() -> None:
    reactions.public_messages(name="mail.outbound")(
        lambda *, step, messages: services.mail_record_for_messages(step=step, messages=messages)
    )
