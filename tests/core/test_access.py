"""Access: a second factor for approvers (django-otp), login throttling (django-axes).

- The rule is one pure function, tested as a table; the approval service and the admin read it.
- With REDRESS_OTP_REQUIRED, an approver's admin goes to enrolment until a TOTP app is set up
  (QR code + key, confirmed with a code computed here with django_otp.oath), then gets ten
  recovery codes, shown once; a new session asks for a code (or a recovery code, used up).
- The approval service refuses (403, with the reason) an approver whose session is unverified.
- Without the setting (development, `make run`) nothing changes for the demo users.
- Thirty wrong passwords, then the right one: still refused, with the lockout message.
"""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from compensation import services as compensation_services
from compensation.models import Status
from core import access
from core.errors import NotPermittedError
from tests.factories import complaint_in


def unthrottle(user) -> None:
    for device in [*TOTPDevice.objects.filter(user=user), *StaticDevice.objects.filter(user=user)]:
        device.throttle_reset()


def code_for(device: TOTPDevice, *, offset: int = 0) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=offset):06d}"


@pytest.mark.parametrize(
    ("rank", "has_device", "verified", "required", "step"),
    [
        (1, False, False, False, None),
        (1, False, False, True, None),  # frontline: not an approver
        (2, False, False, False, None),  # not required: the demo signs in with a password
        (2, False, False, True, access.ENROL),
        (3, False, False, True, access.ENROL),
        (4, False, False, True, access.ENROL),
        (2, True, False, False, access.VERIFY),  # enrolled: always verify
        (1, True, False, True, access.VERIFY),
        (3, True, True, True, None),
        (0, False, False, True, None),
    ],
)
def test_second_factor_step(rank, has_device, verified, required, step):
    assert (
        access.second_factor_step(
            rank=rank, has_device=has_device, verified=verified, required=required
        )
        == step
    )


def test_approval_refusal_only_for_unverified_approvers_when_required():
    assert access.approval_refusal(rank=3, verified=False, required=True)
    assert access.approval_refusal(rank=3, verified=True, required=True) is None
    assert access.approval_refusal(rank=3, verified=False, required=False) is None
    assert access.approval_refusal(rank=1, verified=False, required=True) is None


def _pending(frontline):
    c = complaint_in("apologized")
    result = compensation_services.complaint_remedy_with_compensation(
        complaint_id=c.pk,
        actor=frontline,
        message="We refund you.",
        root_cause="Packer forgot the opener",
        outcome="upheld",
        items=[{"kind": "refund", "amount": "400"}],
    )
    return result.requests[0]


@pytest.mark.django_db
def test_the_approval_service_refuses_an_unverified_approver(settings, frontline, manager):
    settings.REDRESS_OTP_REQUIRED = True
    req = _pending(frontline)
    with pytest.raises(NotPermittedError, match="second factor"):
        compensation_services.compensation_approve(request_id=req.pk, actor=manager)
    req.refresh_from_db()
    assert req.status == Status.PENDING
    manager.is_verified = lambda: True  # what django-otp's middleware sets after a code
    compensation_services.compensation_approve(request_id=req.pk, actor=manager)
    req.refresh_from_db()
    assert req.status == Status.APPROVED


def _verified_client(user) -> Client:
    device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)
    client = Client()
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


@pytest.mark.django_db
def test_the_api_answers_403_with_the_reason_until_the_session_is_verified(
    settings, frontline, manager
):
    settings.REDRESS_OTP_REQUIRED = True
    req = _pending(frontline)
    client = Client()
    client.force_login(manager)
    url = f"/api/v1/compensations/{req.pk}/approve/"
    refused = client.post(url, {"note": "ok"}, content_type="application/json")
    assert refused.status_code == 403
    body = refused.json()
    assert body["code"] == "not_permitted" and "second factor" in body["message"]
    approved = _verified_client(manager).post(url, {"note": "ok"}, content_type="application/json")
    assert approved.status_code == 200, approved.content
    assert approved.json()["status"] == "approved"


@pytest.mark.django_db
def test_without_the_setting_the_demo_signs_in_with_a_password_alone(settings, manager):
    settings.REDRESS_OTP_REQUIRED = False
    client = Client()
    client.force_login(manager)
    assert client.get("/admin/").status_code == 200


@pytest.mark.django_db
def test_enrolment_then_recovery_codes_then_a_code_per_session(settings, manager, frontline):
    settings.REDRESS_OTP_REQUIRED = True
    client = Client()
    client.force_login(manager)
    assert client.get("/admin/")["Location"] == "/admin/security/"
    assert client.get("/admin/complaints/complaint/")["Location"] == "/admin/security/"
    page = client.get("/admin/security/").content.decode()
    assert "<svg" in page and 'id="otp-key"' in page
    device = TOTPDevice.objects.get(user=manager, confirmed=False)
    key = re.search(r'id="otp-key">([A-Z2-7 ]+)<', page).group(1)
    assert key.replace(" ", "") in device.config_url
    wrong = client.post("/admin/security/", {"action": "confirm", "code": "000000"})
    assert 'id="otp-error"' in wrong.content.decode()
    device.refresh_from_db()
    assert device.throttling_failure_count == 1  # django-otp slows down the next try
    device.throttle_reset()
    page = client.post(
        "/admin/security/", {"action": "confirm", "code": code_for(device)}
    ).content.decode()
    codes = re.findall(r"<li><code>(\w+)</code></li>", page)
    assert len(codes) == 10 and len(set(codes)) == 10
    assert client.get("/admin/").status_code == 200  # this session is verified now
    # A new session: the password is not enough any more.
    again = Client()
    again.force_login(manager)
    assert again.get("/admin/complaints/complaint/")["Location"].startswith(
        "/admin/security/verify/?next="
    )
    refused = again.post("/admin/security/verify/", {"code": "nonsense", "next": "/admin/"})
    assert 'id="otp-error"' in refused.content.decode()
    unthrottle(manager)  # django-otp delays the next try after a wrong code (1 s, 2 s, ...)
    ok = again.post("/admin/security/verify/", {"code": codes[0], "next": "/admin/"})
    assert ok["Location"] == "/admin/"
    assert again.get("/admin/").status_code == 200
    # A recovery code works once.
    third = Client()
    third.force_login(manager)
    used = third.post("/admin/security/verify/", {"code": codes[0]})
    assert 'id="otp-error"' in used.content.decode()
    assert StaticDevice.objects.get(user=manager).token_set.count() == 9
    # The authenticator's code works too (the next window's: the one above is used up).
    unthrottle(manager)
    device.refresh_from_db()
    ok = third.post("/admin/security/verify/", {"code": code_for(device, offset=1)})
    assert ok.status_code == 302, ok.content.decode()[:500]
    # Frontline, not an approver, is not sent anywhere.
    fl = Client()
    fl.force_login(frontline)
    assert fl.get("/admin/").status_code == 200


@pytest.mark.django_db
def test_new_recovery_codes_replace_the_old(settings, manager):
    client = _verified_client(manager)
    first = client.post("/admin/security/", {"action": "recovery"}).content.decode()
    second = client.post("/admin/security/", {"action": "recovery"}).content.decode()
    old = set(re.findall(r"<li><code>(\w+)</code></li>", first))
    new = set(re.findall(r"<li><code>(\w+)</code></li>", second))
    assert len(old) == len(new) == 10 and not old & new
    assert {t.token for t in StaticDevice.objects.get(user=manager).token_set.all()} == new


@pytest.mark.django_db
def test_thirty_wrong_passwords_then_the_right_one_is_still_refused(manager):
    manager.set_password("right-password")
    manager.save()
    client = Client(REMOTE_ADDR="203.0.113.7")
    for _ in range(30):
        response = client.post(
            "/admin/login/?next=/admin/", {"username": "mgr", "password": "wrong"}
        )
    assert response.status_code == 429
    response = client.post(
        "/admin/login/?next=/admin/", {"username": "mgr", "password": "right-password"}
    )
    assert response.status_code == 429
    page = response.content.decode()
    assert 'id="lockout-message"' in page and "15 minutes" in page
    assert client.get("/admin/").status_code == 302  # not signed in
    # Another address is not locked out (per user + IP), and the right password works there.
    other = Client(REMOTE_ADDR="198.51.100.9")
    ok = other.post("/admin/login/?next=/admin/", {"username": "mgr", "password": "right-password"})
    assert ok.status_code == 302 and ok["Location"] == "/admin/"


@pytest.mark.django_db
def test_the_lockout_message_is_in_the_browser_language(manager):
    from django.utils import translation

    with translation.override("bg"):
        expected = access.lockout_message()
    assert "15" in expected and "minutes" not in expected
    bg = Client(REMOTE_ADDR="203.0.113.8", HTTP_ACCEPT_LANGUAGE="bg")
    for _ in range(6):
        response = bg.post("/admin/login/", {"username": "mgr", "password": "wrong"})
    assert response.status_code == 429
    assert expected in response.content.decode()
