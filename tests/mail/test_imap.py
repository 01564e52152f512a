"""The IMAP door against a real Dovecot (tests/mail/dovecot.py) over real TLS: every message goes
through the one ingest service, is marked only after its ingest committed, a junk message is
quarantined without stopping the poll, the same Message-ID is taken once, one poller at a time."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from datetime import timedelta
from unittest import mock

import pytest
from django.conf import settings as django_settings
from django.utils import timezone

from complaints.models import Complaint
from mail import imap
from mail.models import InboundMail, PollLease
from tests.mail.dovecot import DOVECOT, PASSWORD, USER, dovecot_server
from tests.mail.inbound_eml import eml


@pytest.fixture
def dovecot():
    if not DOVECOT.exists():
        message = f"{DOVECOT} is missing: install Debian's dovecot-imapd"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    with dovecot_server() as server:
        yield server


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.MAIL_FROM = "Redress care <care@shop.example>"


def config(server, **overrides) -> imap.ImapConfig:
    values = dict(
        host="127.0.0.1",
        port=server.imaps_port,
        user=USER,
        password=PASSWORD,
        ca_file=str(server.ca_file),
        timeout=10,
    )
    values.update(overrides)
    return imap.ImapConfig(**values)


FIRST = eml(msgid="<first@client.example>", body="The opener was missing from my coconut box.")
REPLY = eml(
    msgid="<reply@client.example>",
    subject="Re: Coconut opener missing",
    body="And the box was wet too.",
    headers={"In-Reply-To": "<first@client.example>"},
)
AUTO = eml(
    msgid="<away@client.example>",
    subject="Out of office",
    headers={"Auto-Submitted": "auto-replied"},
)
JUNK = b"Message-ID: <junk@nowhere.example>\r\nSubject: no sender at all\r\n\r\nwho am I?\r\n"


@pytest.mark.integration
@pytest.mark.django_db
def test_poll_over_tls_ingests_marks_seen_and_quarantines_junk(dovecot):
    for raw in (FIRST, REPLY, AUTO, JUNK):
        dovecot.append(raw)

    assert imap.imap_poll(config=config(dovecot)) == {
        "ingested": 2,
        "ignored": 1,
        "quarantined": 1,
    }
    complaint = Complaint.objects.get()
    assert complaint.channel == "email" and complaint.state == "venting"
    customer_words = list(
        complaint.messages.filter(kind="customer").order_by("pk").values_list("body", flat=True)
    )
    assert customer_words == [
        "The opener was missing from my coconut box.",
        "And the box was wet too.",
    ]
    junk = InboundMail.objects.get(msgid="<junk@nowhere.example>")
    assert junk.outcome == "quarantined" and "sender" in junk.reason and junk.source == "imap"

    flags = dovecot.flags()
    assert all("\\Seen" in f for f in flags.values()), flags
    assert "\\Flagged" in flags["<junk@nowhere.example>"]
    assert "\\Flagged" not in flags["<first@client.example>"]

    # A second poll finds nothing new, and ingests nothing.
    assert imap.imap_poll(config=config(dovecot)) == {}
    assert InboundMail.objects.count() == 4 and Complaint.objects.count() == 1


@pytest.mark.integration
@pytest.mark.django_db
def test_a_message_is_marked_only_after_ingest_and_taken_once(dovecot):
    dovecot.append(FIRST)
    # The connection breaks after ingest committed, before the message was marked seen.
    with mock.patch.object(imap, "_file", side_effect=OSError("connection reset")):
        assert imap.imap_poll(config=config(dovecot)) == {"error": 1}
    assert InboundMail.objects.count() == 1
    assert "\\Seen" not in dovecot.flags()["<first@client.example>"]

    # The next poll fetches it again: ingest says duplicate, and now it is marked.
    assert imap.imap_poll(config=config(dovecot)) == {"duplicate": 1}
    assert "\\Seen" in dovecot.flags()["<first@client.example>"]
    # A second copy of the same mail (a resend, a second delivery) is taken once too.
    dovecot.append(FIRST)
    assert imap.imap_poll(config=config(dovecot)) == {"duplicate": 1}
    assert Complaint.objects.count() == 1 and InboundMail.objects.count() == 1


@pytest.mark.integration
@pytest.mark.django_db
def test_a_local_failure_leaves_the_message_for_the_next_poll(dovecot):
    dovecot.append(FIRST)
    with mock.patch.object(imap, "mail_ingest", side_effect=OSError("database down")):
        assert imap.imap_poll(config=config(dovecot)) == {"retry": 1}
    assert "\\Seen" not in dovecot.flags()["<first@client.example>"]
    assert imap.imap_poll(config=config(dovecot)) == {"ingested": 1}


@pytest.mark.integration
@pytest.mark.django_db
def test_starttls_with_processed_and_quarantine_folders(dovecot):
    for raw in (FIRST, JUNK):
        dovecot.append(raw)
    starttls = config(
        dovecot,
        port=dovecot.imap_port,
        security="starttls",
        processed_folder="Processed",
        quarantine_folder="Redress Quarantine",
    )
    assert imap.imap_poll(config=starttls) == {"ingested": 1, "quarantined": 1}
    assert dovecot.flags("INBOX") == {}
    assert set(dovecot.flags("Processed")) == {"<first@client.example>"}
    assert set(dovecot.flags("Redress Quarantine")) == {"<junk@nowhere.example>"}
    # With a processed folder the whole inbox is new: a message someone read is still taken.
    dovecot.append(REPLY)
    conn = dovecot.connect()
    conn.select("INBOX")
    conn.uid("STORE", "1:*", "+FLAGS", r"(\Seen)")
    conn.logout()
    assert imap.imap_poll(config=starttls) == {"ingested": 1}
    assert Complaint.objects.get().messages.filter(kind="customer").count() == 2


@pytest.mark.integration
@pytest.mark.django_db
def test_a_folder_the_server_refuses_does_not_stop_the_poll(dovecot):
    for raw in (FIRST, REPLY):
        dovecot.append(raw)
    bad = config(dovecot, processed_folder="No/Slashes/Here")  # maildir's Dovecot refuses "/"
    assert imap.imap_poll(config=bad) == {"ingested": 2, "unfiled": 2}
    assert Complaint.objects.get().messages.filter(kind="customer").count() == 2
    # Left in the folder, seen: once the setting is fixed they are filed, not ingested again.
    fixed = config(dovecot, processed_folder="Processed")
    assert imap.imap_poll(config=fixed) == {"duplicate": 2}
    assert dovecot.flags("INBOX") == {} and len(dovecot.flags("Processed")) == 2


@pytest.mark.integration
@pytest.mark.django_db
def test_an_untrusted_certificate_or_a_wrong_password_is_an_error_not_a_crash(dovecot, caplog):
    dovecot.append(FIRST)
    assert imap.imap_poll(config=config(dovecot, ca_file="")) == {"error": 1}
    assert "CERTIFICATE_VERIFY_FAILED" in caplog.text
    assert imap.imap_poll(config=config(dovecot, password="wrong")) == {"error": 1}
    assert "AUTHENTICATIONFAILED" in caplog.text
    assert not InboundMail.objects.exists()
    # Nor is the lease kept: the next (trusting) poll runs at once.
    assert imap.imap_poll(config=config(dovecot)) == {"ingested": 1}


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_two_beats_at_once_poll_the_mailbox_once(dovecot):
    from django.db import connections

    for i in range(3):
        dovecot.append(eml(msgid=f"<t{i}@client.example>", sender=f"t{i}@example.com"))
    inside, release = threading.Event(), threading.Event()
    real_ingest = imap.mail_ingest

    def slow_ingest(**kwargs):
        inside.set()
        release.wait(20)
        return real_ingest(**kwargs)

    results: dict = {}

    def first_beat():
        try:
            results["first"] = imap.imap_poll(config=config(dovecot))
        finally:
            connections.close_all()

    with mock.patch.object(imap, "mail_ingest", side_effect=slow_ingest):
        thread = threading.Thread(target=first_beat)
        thread.start()
        assert inside.wait(20)  # the first beat is inside its poll
        results["second"] = imap.imap_poll(config=config(dovecot))
        release.set()
        thread.join(60)
    assert results == {"first": {"ingested": 3}, "second": {"busy": 1}}
    assert InboundMail.objects.count() == 3
    assert imap.imap_poll(config=config(dovecot)) == {}  # released, and nothing left


@pytest.mark.django_db
def test_one_poller_per_mailbox(settings):
    box = imap.ImapConfig(host="imap.invalid", port=993, user="care", password="x")
    token = imap.poll_lease_acquire(name=box.mailbox, duration=timedelta(minutes=5))
    assert token
    with mock.patch.object(imap, "imap_connect") as connect:
        assert imap.imap_poll(config=box) == {"busy": 1}
        connect.assert_not_called()
    assert imap.poll_lease_acquire(name=box.mailbox, duration=timedelta(minutes=5)) is None
    # A poller that died frees the mailbox when its lease ends.
    PollLease.objects.filter(name=box.mailbox).update(
        held_until=timezone.now() - timedelta(seconds=1)
    )
    with mock.patch.object(imap, "imap_connect", side_effect=OSError("unreachable")):
        assert imap.imap_poll(config=box) == {"error": 1}
    # ...and a finished poll releases it; the dead poller's release frees nothing of ours.
    ours = imap.poll_lease_acquire(name=box.mailbox, duration=timedelta(minutes=5))
    imap.poll_lease_release(name=box.mailbox, token=token)
    assert imap.poll_lease_acquire(name=box.mailbox, duration=timedelta(minutes=5)) is None
    imap.poll_lease_release(name=box.mailbox, token=ours)
    assert PollLease.objects.get(name=box.mailbox).held_until is None


def _beat_schedule(env: dict[str, str]) -> set[str]:
    code = (
        "import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'config.settings'); "
        "django.setup(); from django.conf import settings; "
        "print(' '.join(settings.CELERY_BEAT_SCHEDULE))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=django_settings.BASE_DIR,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        check=True,
    )
    return set(out.stdout.split())


def test_beat_polls_imap_only_when_a_host_is_set():
    without = {k: v for k, v in os.environ.items() if not k.startswith("MAIL_IMAP")}
    assert "mail-imap-poll" not in _beat_schedule({**without, "MAIL_IMAP_HOST": ""})
    assert "mail-imap-poll" in _beat_schedule({"MAIL_IMAP_HOST": "imap.example.com"})
    from config.celery import app

    app.loader.import_default_modules()
    assert "mail.imap_poll" in app.tasks
