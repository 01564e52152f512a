"""The admin site, with one guard in front of every admin view: junk input is the client's
fault, never a 500.

Every view Django's admin serves — the generic ModelAdmin views, the custom ones apps add in
`get_urls()` (workflow buttons, the dashboard, tone hints, the approval queue) and the site's own
— goes through `AdminSite.admin_view`, so the guard sits there once:

- a NUL character anywhere in the query string is a 400 (PostgreSQL refuses NUL in text, and no
  filter, search or ordering of ours can mean one);
- a path id (`object_id`, `request_id`, `id`, `pk`, any `*_id`) that the model's primary key cannot
  hold — not a number, out of the column's range, or below 1 — is a 404;
- an action's selected rows (`_selected_action`) that are not such ids are a 400;
- date-hierarchy parameters that are not a plausible year, month or day are a 400 (Django's
  changelist turns `int()` errors into "?e=1" but lets an overflow escape).

Signed-in staff then pass the second-factor gate (`core.access.user_step`): whoever has a
device verifies it once per session, and an approver without one (when `REDRESS_OTP_REQUIRED`)
is sent to enrolment; the second-factor screens themselves are exempt.

Nothing here decides a business rule. `RedressAdminConfig` installs the site as `admin.site`
(INSTALLED_APPS names it instead of `django.contrib.admin`). Imports only Django and `core`.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import update_wrapper
from typing import Any

from django.contrib import admin
from django.contrib.admin import helpers
from django.contrib.admin.apps import AdminConfig
from django.contrib.admin.utils import unquote
from django.core.exceptions import BadRequest, ValidationError
from django.db import connection
from django.db.models import Field
from django.http import Http404, HttpRequest, HttpResponseRedirect
from django.urls import path, reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

DATE_PARTS = {"year": (1, 9999), "month": (1, 12), "day": (1, 31)}


def _is_id_parameter(name: str) -> bool:
    return name in ("object_id", "id", "pk") or name.endswith("_id")


def pk_value_ok(field: Field, value: Any) -> bool:
    """True when `value` (as a URL or form carries it) could be a row's key in `field`."""
    if isinstance(value, str) and "\x00" in value:
        return False
    try:
        python = field.to_python(value)
    except (ValidationError, ValueError, TypeError):
        return False
    if isinstance(python, int):
        low, high = connection.ops.integer_field_range(field.get_internal_type())
        return python >= 1 and (high is None or python <= high) and (low is None or python >= low)
    return python not in (None, "")


def _number_in(value: str, low: int, high: int) -> bool:
    return value.isascii() and value.isdigit() and len(value) <= 4 and low <= int(value) <= high


def query_has_nul(request: HttpRequest) -> bool:
    return any(
        "\x00" in key or any("\x00" in value for value in values)
        for key, values in request.GET.lists()
    )


def junk_refusal(request: HttpRequest, view: Callable, kwargs: dict[str, Any]) -> None:
    """Raise Http404 / BadRequest for input no admin view can serve; None when it may run."""
    if query_has_nul(request):
        raise BadRequest(_("The address contains a NUL character; remove it and try again."))
    model_admin = getattr(view, "__self__", None)
    if not isinstance(model_admin, admin.ModelAdmin):
        return
    pk = model_admin.model._meta.pk
    for name, value in kwargs.items():
        if _is_id_parameter(name) and not pk_value_ok(pk, unquote(str(value))):
            raise Http404(_("There is no such record: the address has a malformed id."))
    if request.method == "POST":
        selected = request.POST.getlist(helpers.ACTION_CHECKBOX_NAME)
        if not all(pk_value_ok(pk, value) for value in selected):
            raise BadRequest(
                _("Some selected rows are not valid ids; reload the list and select again.")
            )
    hierarchy = model_admin.date_hierarchy
    if hierarchy and getattr(view, "__name__", "") == "changelist_view":
        for part, (low, high) in DATE_PARTS.items():
            value = request.GET.get(f"{hierarchy}__{part}")
            if value is not None and not _number_in(value, low, high):
                raise BadRequest(
                    _("The date filter is not a valid date; pick one from the list again.")
                )


def second_factor_redirect(request: HttpRequest, view: Callable) -> HttpResponseRedirect | None:
    """Where a signed-in user must go first (`core.access.second_factor_step`), or None."""
    if getattr(view, "second_factor_exempt", False):
        return None
    from core import access  # its device models load after the app registry, this module before

    step = access.user_step(request.user)
    if step == access.VERIFY:
        return HttpResponseRedirect(
            reverse("admin:security_verify") + "?" + urlencode({"next": request.get_full_path()})
        )
    if step == access.ENROL:
        return HttpResponseRedirect(reverse("admin:security"))
    return None


class RedressAdminSite(admin.AdminSite):
    """Django's admin site with `junk_refusal` and the second-factor gate in front of every view
    it wraps, and the second-factor screens (`core.security_views`)."""

    def admin_view(self, view: Callable, cacheable: bool = False) -> Callable:
        def guarded(request: HttpRequest, *args: Any, **kwargs: Any):
            junk_refusal(request, view, kwargs)
            redirect = second_factor_redirect(request, view)
            if redirect is not None:
                return redirect
            return view(request, *args, **kwargs)

        update_wrapper(guarded, view)
        return super().admin_view(guarded, cacheable)

    def i18n_javascript(self, request: HttpRequest, extra_context: Any = None):
        return super().i18n_javascript(request, extra_context)

    i18n_javascript.second_factor_exempt = True  # the second-factor screens load it

    def get_urls(self):
        from core import security_views

        mine = [
            path(
                "security/",
                self.admin_view(partial_view(security_views.security, self)),
                name="security",
            ),
            path(
                "security/verify/",
                self.admin_view(partial_view(security_views.verify, self)),
                name="security_verify",
            ),
        ]
        return mine + super().get_urls()


def partial_view(view: Callable, site: admin.AdminSite) -> Callable:
    def bound(request: HttpRequest, *args: Any, **kwargs: Any):
        return view(site, request, *args, **kwargs)

    update_wrapper(bound, view)
    return bound


class RedressAdminConfig(AdminConfig):
    default_site = "core.adminsite.RedressAdminSite"
