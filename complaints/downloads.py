"""How an attachment leaves: one streamed response for every door (the admin, the API, later the
customer link), after that door's permission check (`complaints.selectors.attachment_for`).

- The sniffed type, never the sender's; `X-Content-Type-Options: nosniff` so no browser guesses
  another; `Content-Disposition: attachment` with the sanitised name (RFC 6266, UTF-8 too), except
  raster images, which may show inline (an `<img>` in the workbench); SVG, HTML and the rest are
  always downloads. A sandboxing Content-Security-Policy, so a file opened anyway runs nothing.
- Private: `Cache-Control: private`, never a shared cache.
"""

from __future__ import annotations

from django.http import FileResponse

from complaints.models import Attachment

INLINE_TYPES = {"image/png", "image/jpeg", "image/gif", "image/webp"}


def attachment_response(attachment: Attachment, *, thumbnail: bool = False) -> FileResponse:
    """Stream the file (or its thumbnail, a PNG) of `attachment`."""
    if thumbnail and attachment.thumbnail:
        stored, content_type, inline = attachment.thumbnail, "image/png", True
        filename = attachment.filename.rsplit(".", 1)[0] + ".thumbnail.png"
    else:
        stored, content_type = attachment.file, attachment.content_type
        inline, filename = content_type in INLINE_TYPES, attachment.filename
    response = FileResponse(
        stored.open("rb"),
        as_attachment=not inline,
        filename=filename,
        content_type=content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, max-age=0, must-revalidate"
    return response
