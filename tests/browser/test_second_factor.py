"""The second factor in a real browser: with REDRESS_OTP_REQUIRED on, a manager's first sign-in
lands on enrolment (QR code and key), a code computed here from the key shown turns it on and the
ten recovery codes appear once; the next sign-in asks for a code before the queue."""

from __future__ import annotations

import base64
import time

import pytest
from django_otp.oath import totp

from tests.factories import UserFactory

pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def code(manual_key: str, *, drift: int = 0) -> str:
    raw = manual_key.replace(" ", "")
    key = base64.b32decode(raw + "=" * (-len(raw) % 8))
    return f"{totp(key, step=30, t0=0, digits=6, drift=drift):06d}"


def sign_in(page, username: str, password: str, next_url: str) -> None:
    page.goto(f"/admin/login/?next={next_url}")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("input[type=submit]")


def test_a_manager_enrols_then_signs_in_with_a_code(settings, browse, step):
    settings.REDRESS_OTP_REQUIRED = True
    UserFactory(username="boss", groups=["manager"])  # password "pw"
    with browse() as page:
        step("enrolment")
        sign_in(page, "boss", "pw", "/admin/complaints/complaint/")
        page.wait_for_url("**/admin/security/")
        assert page.locator("#enrol-required").is_visible()
        assert page.locator("#otp-qr svg").is_visible()
        manual_key = page.inner_text("#otp-key")
        page.fill("#id_code", "000000")
        page.click("#confirm-otp")
        assert page.locator("#otp-error").is_visible()
        time.sleep(1.1)  # django-otp waits a second after a wrong code before it tries again
        page.fill("#id_code", code(manual_key))
        page.click("#confirm-otp")
        page.wait_for_selector("#recovery-codes")
        assert page.locator("#recovery-codes li").count() == 10
        page.click("#continue")
        page.wait_for_url("**/admin/")
        assert page.locator("#second-factor-link").is_visible()
    with browse() as page:
        step("a code per session")
        sign_in(page, "boss", "pw", "/admin/complaints/complaint/")
        page.wait_for_url("**/admin/security/verify/**")
        # The code of the next 30-second window: the one used above cannot be used twice.
        page.fill("#id_code", code(manual_key, drift=1))
        page.click("#verify-otp")
        page.wait_for_url("**/admin/complaints/complaint/")
        assert page.locator("#result_list, #changelist").count() >= 1
