"""What the mail app does inside a complaint's change, registered with the complaint engine once
at start-up: every public staff message gets its outbound mail row in the same transaction; the
demo's history (compensation's `history_loaded`) counts as mailed when it happened; the demo's
first customer mail arrives through the ingest service (compensation's `demo_mail` door)."""

from __future__ import annotations

from compensation.management import demo_mail
from compensation.management.demo_history import history_loaded
from complaints import reactions
from complaints.models import Complaint
from mail import services
from mail.inbound import DUPLICATE, mail_ingest
from mail.models import InboundMail


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

    demo_mail.mail_door(demo_mail_ingest)


def demo_mail_ingest(*, raw: bytes) -> tuple[Complaint, bool]:
    """The demo's door: ingest `raw` as if it came into the inbox; (its complaint, created).
    A mail ingested before (same Message-ID) answers its complaint, not created."""
    result = mail_ingest(raw=raw, source="demo")
    if result.outcome == DUPLICATE:
        known = InboundMail.objects.select_related("complaint").get(msgid=result.msgid)
        return known.complaint, False
    if result.complaint_id is None:
        raise RuntimeError(f"The demo's mail filed no complaint: {result.line()}")
    return Complaint.objects.get(pk=result.complaint_id), True
