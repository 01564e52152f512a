"""The customer's page, `/c/<token>/`: follow the complaint and act on it, without an account.

Thin: resolve the link, count the request against the link's rate, parse one form, call one
service, redirect back to the page (so a reload does not post again; the services also make a
double submit change nothing). A wrong, revoked or expired token raises Http404: the site's one
404 page, with no hint which it was. More than `REDRESS_CUSTOMER_LINK_RATE` requests a minute
on one link answer 429. The page speaks the customer's language (`Customer.language`), shows
the site's time zone by name, and holds nothing internal (`portal.selectors.customer_view`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

from django import forms as django_forms
from django.conf import settings
from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from complaints import services as complaint_services
from complaints.models import State
from core.errors import DomainError
from core.languages import customer_language
from portal import forms, selectors, services
from portal.models import CustomerLink, Decision, Via

# The current step in plain words (never the internal state names).
STEP_WORDS = {
    State.VENTING: gettext_lazy("We have your complaint and are reading it carefully."),
    State.ACKNOWLEDGED: gettext_lazy("We are looking into it."),
    State.APOLOGIZED: gettext_lazy("We are working on putting it right."),
    State.ESCALATED: gettext_lazy("A senior colleague is looking into it."),
    State.REMEDIED: gettext_lazy("We have done what we can to put it right."),
    State.LIMIT_SET: gettext_lazy("This conversation is closed."),
}


def when(value) -> str:
    """A time as the customer reads it: weekday, date and time in the site's zone, named."""
    local = timezone.localtime(value)
    return (
        f"{formats.date_format(local, 'l')} {formats.date_format(local, 'DATETIME_FORMAT')} "
        f"{local.tzname()}"
    )


def _link(token: str) -> CustomerLink:
    link = selectors.customer_link_resolve(token=token)
    if link is None:
        raise Http404
    return link


def _throttled(link: CustomerLink) -> bool:
    """Cache-based: at most REDRESS_CUSTOMER_LINK_RATE requests per link per minute."""
    window = int(timezone.now().timestamp() // 60)
    # By the link's key (ids repeat after a rollback; the cache need not hold the key itself).
    key = f"portal:rate:{hashlib.sha256(link.key.encode()).hexdigest()[:24]}:{window}"
    cache.add(key, 0, timeout=120)
    try:
        count = cache.incr(key)
    except ValueError:  # evicted between add and incr
        cache.set(key, 1, timeout=120)
        count = 1
    return count > settings.REDRESS_CUSTOMER_LINK_RATE


def _too_many(request: HttpRequest, link: CustomerLink) -> HttpResponse:
    language = customer_language(link.complaint.customer.language)
    with translation.override(language):
        response = render(request, "portal/429.html", {"language": language}, status=429)
    response["Retry-After"] = "60"
    return response


def _page(
    request: HttpRequest,
    link: CustomerLink,
    *,
    status: int = 200,
    bound: dict[str, django_forms.Form] | None = None,
    error: str = "",
) -> HttpResponse:
    complaint = link.complaint
    language = customer_language(complaint.customer.language)
    with translation.override(language):
        view = selectors.customer_view(complaint=complaint)
        blank = {
            "correct": forms.CorrectForm(),
            "accept": forms.AcceptForm(),
            "decline": forms.DeclineForm(),
            "reply": forms.ReplyForm(),
            "rate": forms.RateForm(),
        }
        context = {
            "language": language,
            "view": view,
            "complaint": complaint,
            "step_words": STEP_WORDS.get(complaint.state, ""),
            "promise": when(complaint.promised_by)
            if complaint.promised_by and complaint.is_open
            else "",
            "timeline": [
                {"entry": e, "when": when(e.at), "step": STEP_WORDS.get(e.to_state, "")}
                for e in view.timeline
            ],
            "forms": {**blank, **(bound or {})},
            "done": request.GET.get("done", ""),
            "error": error,
            "token": link_token(request),
            "response_when": when(view.response.created_at) if view.response else "",
        }
        response = render(request, "portal/page.html", context, status=status)
    response["Content-Language"] = language
    # The token is in the URL: never send it on to another site, never keep it in a cache.
    # ("same-origin", not "no-referrer": with no referrer browsers post `Origin: null`, which
    # the CSRF check rightly refuses.)
    response["Referrer-Policy"] = "same-origin"
    response["Cache-Control"] = "no-store"
    response["X-Robots-Tag"] = "noindex"
    return response


def link_token(request: HttpRequest) -> str:
    return request.resolver_match.kwargs["token"]


@require_GET
def customer_page(request: HttpRequest, token: str) -> HttpResponse:
    link = _link(token)
    if _throttled(link):
        return _too_many(request, link)
    return _page(request, link)


def _confirm(complaint_id: int, data: dict) -> Any:
    return complaint_services.complaint_summary_confirm(complaint_id=complaint_id, actor=None)


def _correct(complaint_id: int, data: dict) -> Any:
    return complaint_services.complaint_summary_correct(
        complaint_id=complaint_id, actor=None, correction=data["correction"]
    )


def _respond(decision: str) -> Callable[[int, dict], Any]:
    def run(complaint_id: int, data: dict) -> Any:
        return services.remedy_respond(
            complaint_id=complaint_id,
            actor=None,
            decision=decision,
            words=data["words"],
            via=Via.LINK,
        )

    return run


def _reply(complaint_id: int, data: dict) -> Any:
    return services.customer_reply(complaint_id=complaint_id, body=data["body"])


def _rate(complaint_id: int, data: dict) -> Any:
    return services.handling_rate(
        complaint_id=complaint_id,
        actor=None,
        fairness=data["fairness"],
        solved=data["solved"],
        comment=data["comment"],
        via=Via.LINK,
    )


# act -> (its form, or None for a bare button; the service call)
ACTS: dict[str, tuple[type[django_forms.Form] | None, Callable[[int, dict], Any]]] = {
    "confirm": (None, _confirm),
    "correct": (forms.CorrectForm, _correct),
    "accept": (forms.AcceptForm, _respond(Decision.ACCEPTED)),
    "decline": (forms.DeclineForm, _respond(Decision.DECLINED)),
    "reply": (forms.ReplyForm, _reply),
    "rate": (forms.RateForm, _rate),
}


@require_POST
def customer_act(request: HttpRequest, token: str, act: str) -> HttpResponse:
    link = _link(token)
    if act not in ACTS:
        raise Http404
    if _throttled(link):
        return _too_many(request, link)
    form_class, run = ACTS[act]
    language = customer_language(link.complaint.customer.language)
    with translation.override(language):
        form = form_class(request.POST) if form_class else None
        if form is not None and not form.is_valid():
            return _page(request, link, status=422, bound={act: form})
        try:
            run(link.complaint_id, form.cleaned_data if form else {})
        except DomainError as error:
            if form is not None and error.fields:
                for name, messages in error.fields.items():
                    for message in messages:
                        form.add_error(name if name in form.fields else None, message)
            return _page(
                request,
                link,
                status=error.status,
                bound={act: form} if form else None,
                error=error.message if not (form and error.fields) else "",
            )
    url = reverse("portal:page", kwargs={"token": token})
    return HttpResponseRedirect(f"{url}?done={act}#{act if act != 'confirm' else 'summary'}")
