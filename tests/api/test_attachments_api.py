"""Files over the API: multipart `POST /complaints/{id}/messages/`, the files listed on messages,
and `GET /complaints/{id}/attachments/{aid}/` only for those who may see them."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from complaints.models import Attachment, Message
from tests.api.conftest import INTAKE, token_for
from tests.factories import ELF, PE, png_bytes, zip_bytes


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


def _multipart(user, url, data, **headers):
    client = Client(headers={"Authorization": f"Token {token_for(user)}", **headers})
    return client.post("/api/v1" + url, data=data)  # the test client sends multipart


def _file(name: str, content: bytes, content_type: str = "application/octet-stream"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content, content_type=content_type)


@pytest.fixture
def filed(api_as, integration):
    response = api_as(integration).post("/complaints/", INTAKE)
    assert response.status_code == 201
    return response.data


def test_an_integration_sends_the_customers_photo_and_lists_it(api_as, integration, filed):
    photo = png_bytes()
    response = _multipart(
        integration,
        f"/complaints/{filed['id']}/messages/",
        {
            "body": "Here is the parcel as it came.",
            "files": [_file("parcel.png", photo, "image/png"), _file("note.txt", b"no opener")],
        },
    )
    assert response.status_code == 201, response.content
    files = response.json()["attachments"]
    assert [(f["filename"], f["content_type"], f["size"]) for f in files] == [
        ("parcel.png", "image/png", len(photo)),
        ("note.txt", "text/plain", 9),
    ]
    assert files[0]["url"] == f"/api/v1/complaints/{filed['id']}/attachments/{files[0]['id']}/"
    detail = api_as(integration).get(f"/complaints/{filed['id']}/")
    entry = next(e for e in detail.data["timeline"] if e["attachments"])
    assert [a["filename"] for a in entry["attachments"]] == ["parcel.png", "note.txt"]
    got = Client(headers={"Authorization": f"Token {token_for(integration)}"}).get(files[0]["url"])
    assert got.status_code == 200
    assert b"".join(got.streaming_content) == photo
    assert got["Content-Type"] == "image/png"
    assert got["X-Content-Type-Options"] == "nosniff"
    stored = Attachment.objects.get(pk=files[0]["id"])
    assert stored.thumbnail  # a picture gets its thumbnail on upload


def test_json_bodies_work_exactly_as_before(api_as, integration, filed):
    response = api_as(integration).post(f"/complaints/{filed['id']}/messages/", {"body": "Hello"})
    assert response.status_code == 201
    assert response.data["attachments"] == []
    assert response.data["body"] == "Hello"


def test_the_bytes_decide_not_the_name_or_the_declared_type(integration, filed):
    url = f"/complaints/{filed['id']}/messages/"
    photo = _file("readme.txt", png_bytes(), "text/plain")
    response = _multipart(integration, url, {"body": "A picture", "files": [photo]})
    assert response.status_code == 201
    assert response.json()["attachments"][0]["content_type"] == "image/png"
    before = Message.objects.count()
    lying = _file("photo.jpg", ELF, "image/jpeg")
    response = _multipart(integration, url, {"body": "A picture", "files": [lying]})
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "rule_violated"
    assert "photo.jpg" in body["message"] and "program" in body["message"]
    assert Message.objects.count() == before


@pytest.mark.parametrize(
    "name, content, words",
    [
        ("setup.exe", PE, "program"),
        ("tools.zip", zip_bytes({"docs/readme.txt": b"hi", "bin/run.exe": PE}), "run.exe"),
        ("secret.zip", zip_bytes({"a.txt": b"hi"}, encrypted=True), "encrypted"),
        ("run.sh", b"#!/bin/sh\nrm -rf /\n", "script"),
    ],
)
def test_programs_and_archives_of_them_are_refused_and_nothing_is_written(
    integration, filed, name, content, words
):
    before = (Message.objects.count(), Attachment.objects.count())
    response = _multipart(
        integration,
        f"/complaints/{filed['id']}/messages/",
        {"body": "See attached", "files": [_file("fine.txt", b"fine"), _file(name, content)]},
    )
    assert response.status_code == 422, response.content
    assert name in response.json()["message"] and words in response.json()["message"]
    assert response.json()["fields"]["files"]
    assert (Message.objects.count(), Attachment.objects.count()) == before


def test_the_size_limits_refuse_with_422_and_write_nothing(settings, integration, filed, tmp_path):
    settings.ATTACHMENT_MAX_BYTES = 1000
    settings.ATTACHMENT_MAX_MESSAGE_BYTES = 1500
    url = f"/complaints/{filed['id']}/messages/"
    too_big = _file("big.txt", b"x" * 1001)
    response = _multipart(integration, url, {"body": "Big", "files": [too_big]})
    assert response.status_code == 422
    assert "big.txt" in response.json()["message"]
    together = [_file("a.txt", b"a" * 800), _file("b.txt", b"b" * 800)]
    response = _multipart(integration, url, {"body": "Two", "files": together})
    assert response.status_code == 422
    assert "b.txt" in response.json()["message"]
    assert Attachment.objects.count() == 0
    assert not (tmp_path / "media" / "attachments").exists()


def test_a_keyed_multipart_retry_replays_and_another_file_is_422(integration, filed):
    url = f"/complaints/{filed['id']}/messages/"
    first = _multipart(
        integration,
        url,
        {"body": "x", "files": [_file("a.txt", b"one")]},
        **{"Idempotency-Key": "k1"},
    )
    again = _multipart(
        integration,
        url,
        {"body": "x", "files": [_file("a.txt", b"one")]},
        **{"Idempotency-Key": "k1"},
    )
    other = _multipart(
        integration,
        url,
        {"body": "x", "files": [_file("a.txt", b"two")]},
        **{"Idempotency-Key": "k1"},
    )
    assert (first.status_code, again.status_code, other.status_code) == (201, 201, 422)
    assert again["Idempotent-Replayed"] == "true"
    assert Attachment.objects.count() == 1


def _staff_file(frontline, complaint_id, *, visibility="public"):
    response = _multipart(
        frontline,
        f"/complaints/{complaint_id}/messages/",
        {"body": "Our packing list", "visibility": visibility, "files": [_file("list.txt", b"l")]},
    )
    assert response.status_code == 201, response.content
    return response.json()["attachments"][0]["url"]


def test_serving_staff_yes_own_integration_for_public_others_404(
    frontline, integration, filed, django_user_model
):
    from tests.factories import UserFactory

    other_shop = UserFactory(username="othershop", groups=["integration"], is_staff=False)
    public_url = _staff_file(frontline, filed["id"])
    internal_url = _staff_file(frontline, filed["id"], visibility="internal")

    def get(user, url):
        headers = {"Authorization": f"Token {token_for(user)}"} if user else {}
        return Client(headers=headers).get(url).status_code

    assert get(frontline, public_url) == 200
    assert get(frontline, internal_url) == 200
    assert get(integration, public_url) == 200
    assert get(integration, internal_url) == 404  # an internal note's file stays with staff
    assert get(other_shop, public_url) == 404
    assert get(None, public_url) in (401, 404)
    wrong_complaint = public_url.replace(f"/complaints/{filed['id']}/", "/complaints/999999/")
    assert get(frontline, wrong_complaint) == 404


def test_the_detail_query_count_does_not_grow_with_attachments(api_as, integration, filed):
    url = f"/complaints/{filed['id']}/messages/"

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert api_as(integration).get(f"/complaints/{filed['id']}/").status_code == 200
        return len(ctx.captured_queries)

    _multipart(integration, url, {"body": "one", "files": [_file("a.txt", b"a")]})
    few = count()
    for n in range(4):
        files = [_file(f"f{n}-{i}.txt", f"{n}{i}".encode()) for i in range(3)]
        _multipart(integration, url, {"body": f"more {n}", "files": files})
    assert count() == few
