"""The doors of inbound mail: `manage.py mail_ingest` on stdin (an MTA pipe) and the maildir
poller (`make run`'s inbox), plus the beat entry; and on PostgreSQL, the same mail ingested by
two at once lands once."""

from __future__ import annotations

import io
import os
import threading

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.core.management.base import CommandError

from complaints.models import Complaint
from mail import maildir
from mail.inbound import mail_ingest
from mail.models import InboundMail
from tests.mail.inbound_eml import eml


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.MAIL_FROM = "Redress care <care@shop.example>"
    settings.MAIL_INBOX_DIR = str(tmp_path / "inbox")
    settings.MAIL_QUARANTINE_DIR = str(tmp_path / "quarantine")


def _run(raw: bytes) -> str:
    out = io.StringIO()
    call_command("mail_ingest", stdin=io.BytesIO(raw), stdout=out)
    return out.getvalue().strip()


@pytest.mark.django_db
def test_command_reads_one_message_from_stdin_and_says_what_it_did():
    line = _run(eml(body="Where is my opener?"))
    assert line.startswith("ingested complaint <m1@client.example> CMP-")
    assert _run(eml()).startswith("duplicate")
    assert _run(eml(msgid="<a@x>", headers={"Auto-Submitted": "auto-replied"})).startswith(
        "ignored"
    )
    assert _run(eml(msgid="<b@x>", sender="")).startswith("quarantined")
    assert Complaint.objects.count() == 1 and InboundMail.objects.count() == 3  # not the duplicate


@pytest.mark.django_db
def test_command_fails_only_for_a_local_failure():
    with pytest.raises(CommandError) as empty:
        call_command("mail_ingest", stdin=io.BytesIO(b""), stdout=io.StringIO())
    assert empty.value.returncode != 0
    with pytest.raises(CommandError) as down:
        from unittest import mock

        with mock.patch(
            "mail.management.commands.mail_ingest.mail_ingest", side_effect=OSError("disk")
        ):
            call_command("mail_ingest", stdin=io.BytesIO(eml()), stdout=io.StringIO())
    assert down.value.returncode == 75  # EX_TEMPFAIL: the MTA keeps it and retries


def _drop(root, name: str, raw: bytes) -> None:
    new = root / "new"
    new.mkdir(parents=True, exist_ok=True)
    (new / name).write_bytes(raw)


@pytest.mark.django_db
def test_maildir_ingests_every_new_file_and_moves_it(tmp_path):
    root = tmp_path / "inbox"
    _drop(root, "1.eml", eml(msgid="<1@x>"))
    _drop(root, "2.eml", eml(msgid="<2@x>", body="again", headers={"References": "<1@x>"}))
    _drop(root, "3.eml", eml(msgid="<3@x>", headers={"Precedence": "bulk"}))
    _drop(root, "4.eml", eml(msgid="<4@x>", sender=""))
    counts = maildir.maildir_poll()
    assert counts == {"ingested": 2, "ignored": 1, "quarantined": 1}
    assert os.listdir(root / "new") == [] and os.listdir(root / "processing") == []
    assert sorted(os.listdir(root / "cur")) == ["1.eml:2,S", "2.eml:2,S", "3.eml:2,S"]
    quarantine = tmp_path / "quarantine"
    assert sorted(os.listdir(quarantine)) == ["4.eml", "4.eml.reason.txt"]
    assert "sender" in (quarantine / "4.eml.reason.txt").read_text()
    assert Complaint.objects.count() == 1
    assert maildir.maildir_poll() == {}


@pytest.mark.django_db
def test_maildir_puts_a_file_back_on_a_local_failure(tmp_path):
    from unittest import mock

    root = tmp_path / "inbox"
    _drop(root, "1.eml", eml())
    with mock.patch("mail.maildir.mail_ingest", side_effect=OSError("db down")):
        assert maildir.maildir_poll() == {"retry": 1}
    assert os.listdir(root / "new") == ["1.eml"]
    assert maildir.maildir_poll() == {"ingested": 1}


@pytest.mark.django_db(transaction=True)
def test_two_pollers_at_once_ingest_each_file_once(tmp_path):
    root = tmp_path / "inbox"
    for i in range(12):
        _drop(root, f"{i}.eml", eml(msgid=f"<p{i}@x>", sender=f"c{i}@example.com"))
    barrier = threading.Barrier(2)
    results: list = []

    def poll():
        from django.db import connections

        try:
            barrier.wait(5)
            results.append(maildir.maildir_poll())
        finally:
            connections.close_all()

    threads = [threading.Thread(target=poll) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    total = sum(sum(r.values()) for r in results)
    assert total == 12, results
    assert sum(r.get("ingested", 0) for r in results) == 12
    assert Complaint.objects.count() == 12 and InboundMail.objects.count() == 12
    assert len(os.listdir(root / "cur")) == 12


def test_beat_polls_the_inbox_every_ten_seconds_by_default():
    entry = django_settings.CELERY_BEAT_SCHEDULE["mail-inbox-poll"]
    assert entry["task"] == "mail.inbox_poll"
    assert entry["schedule"] == float(os.environ.get("MAIL_INBOX_INTERVAL", 10.0))
    from config.celery import app

    app.loader.import_default_modules()
    assert "mail.inbox_poll" in app.tasks


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_same_mail_from_two_doors_at_once_lands_once():
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (concurrent inserts on the unique Message-ID)")
    from tests.concurrency import after, race

    raw = eml(msgid="<race@x>")
    outcome = race(
        lambda: mail_ingest(raw=raw, source="a"),
        lambda: mail_ingest(raw=raw, source="b"),
        gate=after(InboundMail, "save"),
    )
    kinds = sorted([outcome.first.outcome, outcome.second.outcome])
    assert kinds == ["complaint", "duplicate"], outcome
    assert outcome.second_waited  # B waited on A's uncommitted insert, then saw it
    assert Complaint.objects.count() == 1 and InboundMail.objects.count() == 1


def _changelist_queries(client, url) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx)


@pytest.mark.django_db
def test_staff_read_incoming_mails_and_their_queries_do_not_grow(client, frontline, manager):
    from django.urls import reverse

    from mail.models import BouncingAddress

    url = reverse("admin:mail_inboundmail_changelist")
    mail_ingest(raw=eml(msgid="<c0@x>"), source="test")
    client.force_login(frontline)
    small = _changelist_queries(client, url)
    for i in range(1, 6):
        mail_ingest(raw=eml(msgid=f"<c{i}@x>", sender=f"c{i}@example.com"), source="test")
    mail_ingest(raw=eml(msgid="<cq@x>", sender=""), source="test")
    assert _changelist_queries(client, url) == small
    page = client.get(url + "?outcome=quarantined").content.decode()
    assert "no sender address" in page
    bouncing = BouncingAddress.objects.create(email="ann@example.com", reason="550")
    delete = reverse("admin:mail_bouncingaddress_delete", args=[bouncing.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    client.force_login(manager)
    assert client.post(delete, {"post": "yes"}).status_code == 302
    assert not BouncingAddress.objects.exists()
