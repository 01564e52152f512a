"""Files of messages: the one path every door (API multipart, the admin reply box, inbound mail)
takes to attach files to a message (DESIGN §9).

- `attachments_judge` runs before anything is written: the count and size limits
  (`ATTACHMENT_MAX_FILES`, `ATTACHMENT_MAX_BYTES` per file, `ATTACHMENT_MAX_MESSAGE_BYTES` per
  message) and `complaints.inspection` (type sniffed from the bytes, executables and archives of
  executables refused). `message_add(files=...)` raises the refusal (422, naming each file and
  why) before its transaction opens, so a refused upload writes nothing: no message, no file.
- `attachments_write` runs inside the message's transaction: the bytes go to the "attachments"
  storage under their sha256 (the same bytes are stored once), the row is written, and a raster
  image gets a thumbnail (Pillow) stored beside it. A rollback leaves at most an unreferenced
  file, never a row without its file.
- `attachment_add` is the door for a message written by another service (a complaint filed
  from a mail): the same judge and write, in the caller's transaction; with `partial=True`
  (inbound mail) refused files are returned for the caller to note instead of raising.
This module imports complaints' models and `complaints.inspection` only.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from complaints import inspection
from complaints.models import Attachment, AttachmentKind, Message
from core.errors import RuleViolationError

THUMBNAIL_SIZE = (320, 320)
THUMBNAIL_TYPES = {"image/png", "image/jpeg", "image/gif", "image/webp"}
MAX_THUMBNAIL_PIXELS = 50_000_000  # larger pictures are kept, but get no thumbnail


@dataclass(frozen=True)
class Upload:
    """A file as a door received it. `content` is None when the door saw it is over the size
    limit and did not read it; `content_type` is set only for what we make ourselves (the
    original mail), never from what a sender declared."""

    filename: str
    size: int
    content: bytes | None
    kind: str = AttachmentKind.FILE
    content_type: str = ""


@dataclass(frozen=True)
class Accepted:
    upload: Upload
    inspected: inspection.Inspected


@dataclass
class Judged:
    accepted: list[Accepted] = field(default_factory=list)
    refused: list[inspection.Refused] = field(default_factory=list)


def upload_from_file(file: Any) -> Upload:
    """An uploaded file (Django's UploadedFile) as an Upload; one over the limit is not read."""
    size = int(getattr(file, "size", 0) or 0)
    name = getattr(file, "name", "") or ""
    if size > settings.ATTACHMENT_MAX_BYTES:
        return Upload(filename=name, size=size, content=None)
    file.seek(0)
    content = file.read()
    return Upload(filename=name, size=len(content), content=content)


def _size(n: int) -> str:
    from django.template.defaultfilters import filesizeformat

    return str(filesizeformat(n))


def attachments_judge(*, uploads: Sequence[Upload]) -> Judged:
    """Which files may be kept and why the others may not (nothing is written). The original
    mail is kept whatever its size: the inbound size limit already bounded it."""
    judged = Judged()
    per_file, per_message = settings.ATTACHMENT_MAX_BYTES, settings.ATTACHMENT_MAX_MESSAGE_BYTES
    total = files = 0
    for upload in uploads:
        name = inspection.filename_sanitise(upload.filename)
        if upload.kind == AttachmentKind.FILE:
            files += 1
            if files > settings.ATTACHMENT_MAX_FILES:
                judged.refused.append(
                    inspection.Refused(
                        name,
                        ngettext(
                            "At most %(max)s file can go with one message.",
                            "At most %(max)s files can go with one message.",
                            settings.ATTACHMENT_MAX_FILES,
                        )
                        % {"max": settings.ATTACHMENT_MAX_FILES},
                    )
                )
                continue
            if upload.content is None or upload.size > per_file:
                judged.refused.append(
                    inspection.Refused(
                        name,
                        _("It is %(size)s; one file may be at most %(max)s.")
                        % {"size": _size(upload.size), "max": _size(per_file)},
                    )
                )
                continue
            if total + upload.size > per_message:
                judged.refused.append(
                    inspection.Refused(
                        name,
                        _("The files of one message may be at most %(max)s together.")
                        % {"max": _size(per_message)},
                    )
                )
                continue
        try:
            inspected = inspection.inspect(filename=upload.filename, content=upload.content or b"")
        except inspection.Refused as refused:
            judged.refused.append(refused)
            continue
        if upload.kind == AttachmentKind.FILE:
            total += upload.size
        judged.accepted.append(Accepted(upload=upload, inspected=inspected))
    return judged


def attachments_refused_lines(refused: Iterable[inspection.Refused]) -> list[str]:
    """One sentence per refused file: its name and why."""
    return [
        _("%(name)s was not accepted: %(reason)s") % {"name": r.filename, "reason": r.reason}
        for r in refused
    ]


def attachments_refusal(refused: Iterable[inspection.Refused]) -> RuleViolationError:
    """The 422 for refused files: one sentence per file, under `files`."""
    lines = attachments_refused_lines(refused)
    return RuleViolationError(" ".join(lines), fields={"files": lines})


def _stored_name(sha256: str, suffix: str = "") -> str:
    return f"attachments/{sha256[:2]}/{sha256}{suffix}"


def _store(storage, name: str, content: bytes) -> str:
    if storage.exists(name):
        return name  # the same bytes, stored once
    return storage.save(name, ContentFile(content))


def _thumbnail(content: bytes, content_type: str) -> bytes | None:
    """A PNG of at most 320×320 for a raster image, or None (not an image Pillow can read
    safely). Phone photos are turned upright first (EXIF orientation)."""
    if content_type not in THUMBNAIL_TYPES:
        return None
    from PIL import Image, ImageOps

    try:
        with Image.open(io.BytesIO(content)) as image:
            if image.width * image.height > MAX_THUMBNAIL_PIXELS:
                return None
            image.seek(0)
            picture = ImageOps.exif_transpose(image)
            picture.thumbnail(THUMBNAIL_SIZE)
            if picture.mode not in ("RGB", "RGBA", "L", "LA"):
                picture = picture.convert("RGBA")
            out = io.BytesIO()
            picture.save(out, format="PNG", optimize=True)
            return out.getvalue()
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError):
        return None


def attachments_write(*, message: Message, accepted: Sequence[Accepted]) -> list[Attachment]:
    """Store the accepted files of `message`; call inside the message's transaction."""
    assert transaction.get_connection().in_atomic_block, "attachments are written with a message"
    storage = Attachment._meta.get_field("file").storage
    now = timezone.now()
    rows = []
    for item in accepted:
        content = item.upload.content or b""
        digest = item.inspected.sha256
        content_type = item.upload.content_type or item.inspected.content_type
        row = Attachment(
            message=message,
            kind=item.upload.kind,
            filename=item.inspected.filename,
            content_type=content_type,
            size=item.inspected.size,
            sha256=digest,
            created_at=now,
        )
        row.file.name = _store(storage, _stored_name(digest), content)
        thumb = _thumbnail(content, content_type)
        if thumb is not None:
            row.thumbnail.name = _store(storage, _stored_name(digest, ".thumb.png"), thumb)
        rows.append(row)
    return Attachment.objects.bulk_create(rows)


def attachment_add(
    *, message: Message, uploads: Sequence[Upload], partial: bool = False
) -> tuple[list[Attachment], list[inspection.Refused]]:
    """Attach `uploads` to `message` in the caller's transaction. Refused files raise the 422
    (nothing written), or with `partial` are returned beside what was stored."""
    judged = attachments_judge(uploads=uploads)
    if judged.refused and not partial:
        raise attachments_refusal(judged.refused)
    with transaction.atomic():
        return attachments_write(message=message, accepted=judged.accepted), judged.refused
