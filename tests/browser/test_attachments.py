"""Files in a real browser: a frontline agent picks a photo and a text file in the reply box of
the complaint page; the timeline then shows the photo as a thumbnail (a real image the browser
decoded) and the text file as a link with its size, and the link downloads the file."""

from __future__ import annotations

import pytest

from complaints.models import Attachment
from tests import factories

pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


def test_an_agent_attaches_a_photo_and_a_file_from_the_reply_box(browse, step, snapshot):
    factories.UserFactory(username="agent", groups=["frontline"])
    complaint = factories.complaint_new()
    photo = factories.png_bytes((800, 600), "teal")
    with browse() as page:
        step("login")
        page.goto(f"/admin/login/?next=/admin/complaints/complaint/{complaint.pk}/change/")
        page.fill("#id_username", "agent")
        page.fill("#id_password", "pw")
        page.click("input[type=submit]")
        page.wait_for_selector("#message-form")

        step("upload")
        page.fill("#message-form textarea[name=body]", "The packing list and the shelf photo.")
        page.set_input_files(
            "#message-form input[name=files]",
            [
                {"name": "shelf.png", "mimeType": "image/png", "buffer": photo},
                {"name": "packing-list.txt", "mimeType": "text/plain", "buffer": b"4 coconuts\n"},
            ],
        )
        page.click("#message-form input[type=submit]")
        page.wait_for_selector(".redress-attachment-image img")

        step("timeline")
        image = page.locator(".redress-attachment-image img")
        image.scroll_into_view_if_needed()
        page.wait_for_function(
            "() => { const i = document.querySelector('.redress-attachment-image img');"
            " return i && i.complete && i.naturalWidth > 0; }"
        )
        width = image.evaluate("i => i.naturalWidth")
        assert 0 < width <= 320  # the thumbnail, not the 800 px original
        link = page.locator(".redress-attachment a", has_text="packing-list.txt")
        entry = page.locator(".redress-attachment", has_text="packing-list.txt")
        assert "11\xa0bytes" in entry.inner_text()
        snapshot(page, "timeline")

        step("download")
        with page.expect_download() as download:
            link.click()
        assert download.value.suggested_filename == "packing-list.txt"
        with open(download.value.path(), "rb") as f:
            assert f.read() == b"4 coconuts\n"
    assert sorted(Attachment.objects.values_list("filename", flat=True)) == [
        "packing-list.txt",
        "shelf.png",
    ]
