"""What the mail app does inside a complaint's change, registered with the complaint engine once
at start-up: every public staff message gets its outbound mail row in the same transaction; the
demo's history (compensation's `history_loaded`) counts as mailed when it happened."""

from __future__ import annotations

from compensation.management.demo_history import history_loaded
from complaints import reactions
from mail import services


def register() -> None:
    reactions.public_messages(name="mail.outbound")(
        lambda *, step, messages: services.mail_record_for_messages(step=step, messages=messages)
    )

    # A merged complaint's email threads follow it, so a reply lands on the survivor.
    reactions.reaction("merge", name="mail.merge")(
        lambda changes: services.mail_merge(changes=changes)
    )

    # The demo history happened in the past: its customer emails went out back then.
    history_loaded.connect(
        lambda sender, *, complaint_ids, **kwargs: services.outbound_mail_mark_historic(
            complaint_ids=complaint_ids
        ),
        dispatch_uid="mail.demo_history",
        weak=False,
    )
