"""Attachments on the complaint page: the reply box uploads files, the timeline shows pictures
as thumbnails and other files as links with their size, and files are served only to staff who
may see the complaint. The inspection itself: the bytes decide, programs and archives of
programs are refused, names are made safe."""

from __future__ import annotations

import bz2
import gzip
import io
import tarfile

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from PIL import Image

from complaints import inspection, selectors, services
from complaints.models import Attachment, AttachmentKind, Message, Visibility
from complaints.services import Upload
from tests.factories import ELF, PE, complaint_new, png_bytes, zip_bytes


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


def _upload(name: str, content: bytes) -> Upload:
    return Upload(filename=name, size=len(content), content=content)


def _file(name: str, content: bytes, content_type: str = "application/octet-stream"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content, content_type=content_type)


def _internal_note(c, actor, name: str, content: bytes) -> Message:
    return services.message_add(
        complaint_id=c.pk,
        actor=actor,
        body="for staff",
        visibility=Visibility.INTERNAL,
        files=[_upload(name, content)],
    )


def _change(c):
    return reverse("admin:complaints_complaint_change", args=[c.pk])


def _reply(client, c, **data):
    return client.post(reverse("admin:complaints_complaint_message", args=[c.pk]), data)


@pytest.mark.django_db
def test_the_reply_box_uploads_several_files_and_the_timeline_shows_them(client, frontline):
    client.force_login(frontline)
    c = complaint_new()
    page = client.get(_change(c)).content.decode()
    assert 'enctype="multipart/form-data"' in page and 'type="file" name="files"' in page
    assert "multiple" in page
    response = _reply(
        client,
        c,
        body="The packing list and a photo of the shelf.",
        visibility="public",
        files=[_file("shelf.png", png_bytes()), _file("list.txt", b"4 coconuts, 1 opener")],
    )
    assert response.status_code == 302
    message = Message.objects.get(body__startswith="The packing list")
    names = [a.filename for a in message.attachments.all()]
    assert names == ["shelf.png", "list.txt"]
    page = client.get(_change(c)).content.decode()
    photo, text = message.attachments.all()
    thumb_url = reverse("admin:complaints_complaint_attachment_thumbnail", args=[photo.pk])
    assert f'<img src="{thumb_url}"' in page  # the picture as a thumbnail
    assert reverse("admin:complaints_complaint_attachment", args=[text.pk]) in page
    assert "20\xa0bytes" in page  # the other file as a link with its size
    thumb = client.get(thumb_url)
    assert thumb.status_code == 200 and thumb["Content-Type"] == "image/png"
    with Image.open(io.BytesIO(b"".join(thumb.streaming_content))) as image:
        assert max(image.size) <= 320


@pytest.mark.django_db
def test_a_refused_upload_in_the_admin_says_why_and_writes_nothing(client, frontline):
    client.force_login(frontline)
    c = complaint_new()
    before = Message.objects.count()
    response = _reply(
        client,
        c,
        body="Our tool",
        visibility="internal",
        files=[_file("invoice.pdf", PE, "application/pdf")],
    )
    assert response.status_code == 302
    shown = [str(m) for m in client.get(_change(c)).context["messages"]]
    assert any("invoice.pdf" in m and "program" in m for m in shown), shown
    assert Message.objects.count() == before
    assert Attachment.objects.count() == 0


@pytest.mark.django_db
def test_files_in_the_admin_only_for_staff_who_may_see_the_complaint(
    client, frontline, integration, outsider
):
    c = complaint_new()
    message = _internal_note(c, frontline, "notes.txt", b"internal")
    url = reverse("admin:complaints_complaint_attachment", args=[message.attachments.get().pk])
    anonymous = Client().get(url)
    assert anonymous.status_code == 302 and "/login/" in anonymous["Location"]
    client.force_login(frontline)
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == b"internal"
    for user in (integration, outsider):
        other = Client()
        other.force_login(user)
        assert other.get(url).status_code in (302, 404)
    missing = reverse("admin:complaints_complaint_attachment", args=[999999])
    assert client.get(missing).status_code == 404


@pytest.mark.django_db
def test_the_complaint_page_query_count_does_not_grow_with_attachments(client, frontline):
    client.force_login(frontline)
    c = complaint_new()

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(_change(c)).status_code == 200
        return len(ctx.captured_queries)

    services.message_add(
        complaint_id=c.pk, actor=frontline, body="one", files=[_upload("a.txt", b"a")]
    )
    few = count()
    for n in range(3):
        services.message_add(
            complaint_id=c.pk,
            actor=frontline,
            body=f"more {n}",
            files=[_upload(f"{n}.png", png_bytes(color="red")), _upload(f"{n}.txt", b"t")],
        )
    assert count() == few


@pytest.mark.django_db
def test_the_customer_sees_files_of_public_messages_only(frontline):
    c = complaint_new()
    public = services.message_add(
        complaint_id=c.pk, actor=frontline, body="for you", files=[_upload("p.txt", b"p")]
    )
    internal = _internal_note(c, frontline, "i.txt", b"i")
    get = lambda m: selectors.attachment_get(attachment_id=m.attachments.get().pk)  # noqa: E731
    assert selectors.attachment_visible_to_customer(get(public))
    assert not selectors.attachment_visible_to_customer(get(internal))
    timeline = selectors.complaint_public_timeline(complaint=c)
    shown = [a.filename for e in timeline for a in e.attachments]
    assert shown == ["p.txt"]


@pytest.mark.django_db
def test_the_same_bytes_are_stored_once(frontline):
    c = complaint_new()
    for body in ("first", "second"):
        services.message_add(
            complaint_id=c.pk, actor=frontline, body=body, files=[_upload("x.png", png_bytes())]
        )
    names = {a.file.name for a in Attachment.objects.all()}
    assert len(names) == 1 and Attachment.objects.count() == 2
    (name,) = names
    assert name.startswith("attachments/") and "x.png" not in name


# --- the inspection, on its own ------------------------------------------------------------------


def _tar_gz(members: dict[str, bytes], mode: int = 0o644) -> bytes:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w:gz") as archive:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size, info.mode = len(data), mode
            archive.addfile(info, io.BytesIO(data))
    return out.getvalue()


@pytest.mark.parametrize(
    "name, content, why",
    [
        ("photo.jpg", ELF, "ELF"),
        ("report.pdf", PE, "PE"),
        ("macho.png", b"\xcf\xfa\xed\xfe" + b"\0" * 60, "Mach-O"),
        ("notes.txt", b"#!/usr/bin/env python3\nprint('hi')\n", "#!"),
        ("invoice.bat", b"echo hello\r\n", ".bat"),
        ("INVOICE.PDF.EXE", b"just text", ".exe"),
        ("docs.zip", zip_bytes({"a.txt": b"ok", "tools/setup.exe": b"x"}), "setup.exe"),
        ("docs.zip", zip_bytes({"readme.txt": ELF}), "readme.txt"),
        ("docs.zip", zip_bytes({"a.txt": b"ok"}, encrypted=True), "encrypted"),
        ("inner.zip", zip_bytes({"in.zip": zip_bytes({"x.sh": b"echo"})}), "x.sh"),
        (
            "deep.zip",
            zip_bytes({"a.zip": zip_bytes({"b.zip": zip_bytes({"c.txt": b"c"})})}),
            "deeply",
        ),
        ("src.tar.gz", _tar_gz({"bin/tool": ELF}), "tool"),
        ("src.tar.gz", _tar_gz({"run": b"hello"}, mode=0o755), "program"),
        ("bomb.gz", gzip.compress(b"\0" * (inspection.MAX_NESTED + 1)), "unpacks"),
        ("x.7z", b"7z\xbc\xaf\x27\x1c\x00\x04" + b"\0" * 40, "7z"),
        ("tool.bz2", bz2.compress(PE), "PE"),
        ("broken.gz", b"\x1f\x8b\x08garbage", "damaged gzip"),
    ],
)
def test_programs_and_archives_that_hide_them_are_refused(name, content, why):
    with pytest.raises(inspection.Refused) as refused:
        inspection.inspect(filename=name, content=content)
    assert why in str(refused.value)


@pytest.mark.parametrize(
    "name, content, content_type",
    [
        ("readme.txt", png_bytes(), "image/png"),  # a picture with a text name is a picture
        ("photo.png", b"Just words, no picture.\n", "text/plain"),
        ("docs.zip", zip_bytes({"a/b.txt": b"b", "c.csv": b"1,2"}), "application/zip"),
        ("src.tar.gz", _tar_gz({"notes.txt": b"hello"}), "application/gzip"),
    ],
)
def test_the_bytes_decide_the_type(name, content, content_type):
    assert inspection.inspect(filename=name, content=content).content_type == content_type


@pytest.mark.parametrize(
    "given, safe",
    [
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\cora\\photo.jpg", "photo.jpg"),
        ("inv\u202eoice.txt", "inv_oice.txt"),
        ("...", "attachment"),
        ("a" * 300 + ".jpeg", "a" * 195 + ".jpeg"),  # 200 characters, the extension kept
        ("照片 2026.jpg", "照片 2026.jpg"),
    ],
)
def test_filenames_are_made_safe(given, safe):
    assert inspection.filename_sanitise(given) == safe


@pytest.mark.django_db
def test_attachment_add_with_partial_keeps_what_is_fine_and_returns_the_refused(frontline):
    c = complaint_new()
    message = services.message_add(complaint_id=c.pk, actor=frontline, body="m")
    from django.db import transaction

    with transaction.atomic():
        stored, refused = services.attachment_add(
            message=message,
            uploads=[
                _upload("ok.txt", b"fine"),
                _upload("bad.exe", PE),
                Upload(
                    filename="original.eml",
                    size=3,
                    content=b"m:x",
                    kind=AttachmentKind.ORIGINAL,
                    content_type="message/rfc822",
                ),
            ],
            partial=True,
        )
    assert [a.filename for a in stored] == ["ok.txt", "original.eml"]
    assert stored[1].content_type == "message/rfc822"
    assert [r.filename for r in refused] == ["bad.exe"]


def test_attachment_storage_s3_is_configured_from_the_environment(tmp_path):
    """ATTACHMENT_STORAGE=s3 puts files in a private bucket through django-storages (built
    here without any network: S3Storage connects on first use)."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    env = {
        **os.environ,
        "ATTACHMENT_STORAGE": "s3",
        "AWS_STORAGE_BUCKET_NAME": "redress-files",
        "AWS_S3_ENDPOINT_URL": "http://127.0.0.1:9",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
    }
    code = (
        "import django; django.setup()\n"
        "from complaints.models import Attachment\n"
        "s = Attachment._meta.get_field('file').storage\n"
        "print(type(s).__name__, s.bucket_name, s.location, s.default_acl, s.querystring_auth)\n"
    )
    root = Path(__file__).resolve().parent.parent.parent
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=root,
        env={**env, "DJANGO_SETTINGS_MODULE": "config.settings"},
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["S3Storage", "redress-files", "attachments", "private", "True"]


@pytest.mark.django_db
def test_more_files_than_allowed_is_a_422_that_writes_nothing(settings, frontline):
    from core.errors import RuleViolationError

    settings.ATTACHMENT_MAX_FILES = 2
    c = complaint_new()
    before = Message.objects.count()
    with pytest.raises(RuleViolationError) as refused:
        services.message_add(
            complaint_id=c.pk,
            actor=frontline,
            body="three files",
            files=[_upload(f"{n}.txt", b"x") for n in range(3)],
        )
    assert refused.value.status == 422
    assert refused.value.fields["files"] == [
        "2.txt was not accepted: At most 2 files can go with one message."
    ]
    assert Message.objects.count() == before and Attachment.objects.count() == 0
