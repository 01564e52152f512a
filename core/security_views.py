"""The admin's second-factor screens: enrolment (QR code and key, confirmed with a code; then the
recovery codes, shown once), new recovery codes, and the per-session code check after the
password. Thin: the rule and the writes are `core.access`'s. Imports no app of the project."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from core import access


def _wrong_code() -> str:
    return _(
        "That code did not work. Wait a few seconds, check that the time on your phone is "
        "right and enter the newest code, or use one of your recovery codes."
    )


def security(site: admin.AdminSite, request: HttpRequest) -> HttpResponse:
    user = request.user
    step = access.user_step(user)
    if step == access.VERIFY:
        return HttpResponseRedirect(reverse("admin:security_verify"))
    context = {
        **site.each_context(request),
        "title": _("Second factor"),
        "must_enrol": step == access.ENROL,
    }
    action = request.POST.get("action") if request.method == "POST" else None
    if action == "confirm":
        result = access.otp_enrolment_confirm(user=user, code=request.POST.get("code", ""))
        if result is not None:
            device, codes = result
            access.otp_login(request, device)
            context.update(recovery_codes=codes, must_enrol=False)
            return TemplateResponse(request, "admin/security.html", context)
        context["error"] = _wrong_code()
    elif action == "recovery" and access.has_device(user):
        context["recovery_codes"] = access.otp_recovery_codes_new(user=user)
        return TemplateResponse(request, "admin/security.html", context)
    context["enrolled"] = access.has_device(user)
    if not context["enrolled"]:
        device = access.otp_enrolment_start(user=user)
        context.update(qr_svg=access.otp_qr_svg(device), manual_key=access.otp_manual_key(device))
    return TemplateResponse(request, "admin/security.html", context)


security.second_factor_exempt = True


def verify(site: admin.AdminSite, request: HttpRequest) -> HttpResponse:
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = ""
    next_url = next_url or reverse("admin:index")
    if access.user_step(request.user) != access.VERIFY:
        return HttpResponseRedirect(next_url)
    context = {**site.each_context(request), "title": _("Second factor"), "next": next_url}
    if request.method == "POST":
        device = access.otp_verify(user=request.user, code=request.POST.get("code", ""))
        if device is not None:
            access.otp_login(request, device)
            return HttpResponseRedirect(next_url)
        context["error"] = _wrong_code()
    return TemplateResponse(request, "admin/security_verify.html", context)


verify.second_factor_exempt = True
