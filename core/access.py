"""Who must show a second factor, the second factor's own services, and the lockout page.

The rule is one small pure function, `second_factor_step`, read by the admin (every admin view
goes through `RedressAdminSite.admin_view`) and by the approval service (`approval_refusal`), so
the screen and the service cannot disagree:
- anyone who has a confirmed device must verify it once per session (a code from the app or a
  recovery code) before any other admin screen;
- with `REDRESS_OTP_REQUIRED` on, those who may approve compensation (team leads, managers,
  superusers: rank ≥ team lead) must have one: without it they are sent to enrolment, and the
  approval service refuses them (403) until their session is verified.

Devices are django-otp's: one TOTP device ("authenticator") and one static device of ten
recovery codes per user, each code good once, shown once. Imports no app of the project.
"""

from __future__ import annotations

import base64
import io
from typing import Any

import django_otp
from django.conf import settings
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from core import roles

APPROVER_RANK = roles.tier_rank(roles.TEAM_LEAD)
RECOVERY_CODES = 10
TOTP_NAME = "authenticator"
RECOVERY_NAME = "recovery codes"

VERIFY = "verify"
ENROL = "enrol"


def second_factor_step(
    *, rank: int, has_device: bool, verified: bool, required: bool
) -> str | None:
    """What a signed-in user must do before working: None, VERIFY or ENROL."""
    if verified:
        return None
    if has_device:
        return VERIFY
    if required and rank >= APPROVER_RANK:
        return ENROL
    return None


def approval_refusal(*, rank: int, verified: bool, required: bool) -> str | None:
    """Why this actor may not approve compensation now (second factor only), or None."""
    if required and rank >= APPROVER_RANK and not verified:
        return _(
            "Approving compensation needs your second factor: sign in with the code from your "
            "authenticator app (or set it up under “Second factor”), then approve again."
        )
    return None


def otp_required() -> bool:
    return bool(getattr(settings, "REDRESS_OTP_REQUIRED", False))


def is_verified(user: Any) -> bool:
    """True when this request's user showed a second factor (django-otp's middleware)."""
    check = getattr(user, "is_verified", None)
    return bool(callable(check) and check())


def actor_approval_refusal(actor: Any) -> str | None:
    """`approval_refusal` for a request's user, with the setting in force."""
    return approval_refusal(
        rank=roles.user_rank(actor), verified=is_verified(actor), required=otp_required()
    )


def has_device(user: Any) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def user_step(user: Any) -> str | None:
    """`second_factor_step` for a signed-in user (one query when not yet verified)."""
    if is_verified(user):
        return None
    return second_factor_step(
        rank=roles.user_rank(user),
        has_device=has_device(user),
        verified=False,
        required=otp_required(),
    )


# --- services -----------------------------------------------------------------------------------


@transaction.atomic
def otp_enrolment_start(*, user: Any) -> TOTPDevice:
    """The user's unconfirmed authenticator (made once, so reloading shows the same key)."""
    device = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=TOTP_NAME, confirmed=False)
    return device


def otp_manual_key(device: TOTPDevice) -> str:
    """The secret in base32, grouped by four, for typing into an app."""
    key = base64.b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(key[i : i + 4] for i in range(0, len(key), 4))


def otp_qr_svg(device: TOTPDevice) -> str:
    """The otpauth:// URL of `device` as an inline SVG QR code."""
    from django_otp.qr import write_qrcode_image

    out = io.BytesIO()
    write_qrcode_image(device.config_url, out)
    return out.getvalue().decode()


@transaction.atomic
def otp_recovery_codes_new(*, user: Any) -> list[str]:
    """Replace the user's recovery codes with ten new ones; the only time they are readable."""
    device, _created = StaticDevice.objects.get_or_create(user=user, name=RECOVERY_NAME)
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


@transaction.atomic
def otp_enrolment_confirm(*, user: Any, code: str) -> tuple[TOTPDevice, list[str]] | None:
    """Confirm the pending authenticator with a code from the app. Returns it with new recovery
    codes (any earlier authenticator of the user is replaced), or None if the code is wrong."""
    device = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=False).first()
    if device is None or not device.verify_token((code or "").replace(" ", "")):
        return None
    TOTPDevice.objects.filter(user=user, confirmed=True).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    return device, otp_recovery_codes_new(user=user)


def otp_verify(*, user: Any, code: str) -> Any:
    """The user's device that accepts `code` (authenticator, else a recovery code, which is then
    used up), or None. django-otp throttles each device after failures."""
    code = (code or "").replace(" ", "")
    if not code:
        return None
    totp = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if totp is not None and code.isdigit() and totp.verify_is_allowed()[0]:
        if totp.verify_token(code):
            return totp
    for device in StaticDevice.objects.filter(user=user, confirmed=True):
        if device.verify_is_allowed()[0] and device.verify_token(code):
            return device
    return None


def otp_login(request: HttpRequest, device: Any) -> None:
    """Mark this session as verified by `device`."""
    django_otp.login(request, device)


# --- axes ---------------------------------------------------------------------------------------


def lockout_message() -> str:
    minutes = max(1, round(settings.AXES_COOLOFF_TIME.total_seconds() / 60))
    return _(
        "Too many wrong passwords for this account from your address, so signing in is "
        "paused for %(minutes)s minutes to keep the account safe. Please try again later, "
        "or ask an administrator to unlock it."
    ) % {"minutes": minutes}


def lockout_response(
    request: HttpRequest, response: HttpResponse | None = None, credentials: Any = None
) -> HttpResponse:
    """The admin login page again, with why it refuses and for how long (AXES_LOCKOUT_CALLABLE)."""
    from django.contrib import admin
    from django.contrib.admin.forms import AdminAuthenticationForm

    context = {
        **admin.site.each_context(request),
        "title": _("Log in"),
        "form": AdminAuthenticationForm(request),
        "app_path": request.get_full_path(),
        "lockout_message": lockout_message(),
    }
    # Rendered now: it is returned from a middleware, past the template-response phase.
    return TemplateResponse(request, "admin/lockout.html", context, status=429).render()
