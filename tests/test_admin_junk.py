"""Every admin URL, fed junk, answers without a 5xx: 404 for ids that cannot exist, 400 (or the
changelist's own "?e=1" redirect) for filters it cannot apply.

The URLs are not listed by hand: they come from `admin.site.get_urls()` and every registered
ModelAdmin's `get_urls()` (custom views included), so an admin added later is covered too. Each
path parameter is replaced in turn by each junk value (the others kept valid); each changelist
is asked with a NUL in every list-filter parameter it offers and with junk paging, ordering,
search and unknown lookups. Superuser, frontline and manager; GET and POST.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import quote

import pytest
from django.contrib import admin
from django.test import Client, RequestFactory
from django.urls import URLPattern, URLResolver

from compensation import services as compensation_services
from tests import factories

JUNK_IDS = ("abc", "-1", "0", "99999999999999999999", "ü", "%00", "1%00", "1.5", "%20", "a%2Fb")
JUNK_QUERIES = (
    "o=abc",
    "o=-",
    "o=99",
    "p=-1",
    "p=abc",
    "p=99999999999999999999",
    "q=%00",
    "e=1",
    "nope=1",
    "id__in=abc",
    "id=%00",
    "pk__gt=99999999999999999999",
    "_to_field=password",
    "_popup=1&_to_field=%00",
    "_changelist_filters=%00",
    "all=%00",
)
# Path parameters the admin's URLs use and a valid value for each (the one kept while another
# is junk). A new parameter name fails the test until it is listed here.
VALID = {
    "object_id": None,  # a real row of the model, filled in per admin
    "id": None,
    "request_id": None,
    "pk": None,  # django-otp's device admin (its config and QR views)
    "content_type_id": "1",
    "name": "remedy",
    "verdict": "approve",
    "app_label": "complaints",
    "url": "nothing-here/",
    "attachment_id": "1",
    "figure": "open-by-state",
    "complaint_id": "1",
}
SKIPPED_SITE_VIEWS = {"logout"}  # it ends the session the rest of the walk needs
PARAM = re.compile(r"<(?:\w+:)?(\w+)>|\(\?P<(\w+)>[^)]*\)")


def _route(pattern: URLPattern) -> str:
    route = getattr(pattern.pattern, "_route", None)
    if route is None:  # a regex pattern
        route = str(pattern.pattern.regex.pattern).lstrip("^").rstrip("$")
    return route


def _params(route: str) -> list[str]:
    return [a or b for a, b in PARAM.findall(route)]


def _fill(route: str, values: dict[str, str]) -> str:
    return PARAM.sub(lambda m: values[m.group(1) or m.group(2)], route)


def _urls(prefix: str, patterns, valid: dict[str, str]) -> Iterator[str]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver) or pattern.name in SKIPPED_SITE_VIEWS:
            continue
        route = _route(pattern)
        names = _params(route)
        unknown = [n for n in names if n not in VALID]
        assert not unknown, f"add a valid value for {unknown} of {prefix}{route} to VALID"
        if not names:
            yield prefix + route
        for name in names:
            for junk in JUNK_IDS:
                values = {**valid, name: junk if "%" in junk else quote(junk, safe="")}
                yield prefix + _fill(route, values)


def admin_urls() -> Iterator[str]:
    """Every admin URL with junk in its path, the site's own views included."""
    yield from _urls("/admin/", admin.site.get_urls(), {**VALID, "object_id": "1", "pk": "1"})
    for model, model_admin in admin.site._registry.items():
        prefix = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
        row = model._default_manager.order_by("pk").first()
        pk = str(row.pk) if row else "1"
        valid = {**VALID, "object_id": pk, "id": pk, "request_id": pk, "pk": pk}
        yield from _urls(prefix, model_admin.get_urls(), valid)


def changelist_queries(user) -> Iterator[str]:
    """Each changelist with a NUL in every filter parameter it offers, and junk paging etc."""
    factory = RequestFactory()
    for model, model_admin in admin.site._registry.items():
        url = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
        request = factory.get(url)
        request.user = user
        params: set[str] = set()
        if model_admin.has_view_or_change_permission(request):
            changelist = model_admin.get_changelist_instance(request)
            for spec in changelist.filter_specs:
                params.update(spec.expected_parameters())
            if model_admin.date_hierarchy:
                field = model_admin.date_hierarchy
                params.update(f"{field}__{part}" for part in ("year", "month", "day"))
        for param in sorted(params):
            for junk in ("%00", "1%00", "abc", "99999999999999999999", "-1"):
                yield f"{url}?{param}={junk}"
        for query in JUNK_QUERIES:
            yield f"{url}?{query}"


@pytest.fixture
def world(db, lead):
    """Rows in every table the admin lists, so changelists and change pages render real rows."""
    factories.complaint_in("remedied")
    escalated = factories.complaint_in("escalated")
    compensation_services.compensation_request(
        complaint_id=escalated.pk, actor=lead, kind="refund", amount="900.00", currency="EUR"
    )
    from api.services import api_token_issue
    from webhooks.services import outbox_fan_out, webhook_subscription_create

    api_token_issue(user=lead, name="junk")
    webhook_subscription_create(
        owner=lead, url="https://example.com/hook", events=["complaint.created"]
    )
    factories.complaint_new()
    outbox_fan_out()


def _walk(client: Client, urls, methods=("get", "post")) -> list[str]:
    failures = []
    for url in urls:
        for method in methods:
            data = {"_selected_action": "abc", "action": "assign_to_me", "note": "\x00"}
            response = getattr(client, method)(url, data) if method == "post" else client.get(url)
            if response.status_code >= 500:
                failures.append(f"{method.upper()} {url} -> {response.status_code}")
    return failures


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["superuser", "frontline", "manager"])
def test_no_admin_url_answers_5xx_for_junk(world, who, request):
    if who == "superuser":
        user = factories.UserFactory(username="root", is_superuser=True)
    else:
        user = request.getfixturevalue(who)
    client = Client(raise_request_exception=False)
    client.force_login(user)
    urls = list(admin_urls())
    queries = list(changelist_queries(user))
    assert len(urls) > 300 and len(queries) > 100  # the walk found the admin, not nothing
    failures = _walk(client, urls) + _walk(client, queries)
    assert failures == [], "\n".join(failures)


@pytest.mark.django_db
def test_malformed_ids_are_404_and_bad_filters_400(client, frontline, lead):
    complaint = factories.complaint_in("escalated")
    client.force_login(frontline)
    assert client.get("/admin/complaints/complaint/abc/change/").status_code == 404
    assert client.get("/admin/complaints/complaint/1%00/change/").status_code == 404
    assert client.get(
        "/admin/complaints/complaint/99999999999999999999/do/remedy/"
    ).status_code == (404)
    assert client.get("/admin/compensation/pendingapproval/0/approve/").status_code == 404
    for query in ("state__exact=%00", "q=%00", "queue=%00", "%00=1"):
        assert client.get(f"/admin/complaints/complaint/?{query}").status_code == 400, query
    assert client.get(
        "/admin/escalation/deadline/?due_at__year=99999999999999999999"
    ).status_code == (400)
    selected = {"action": "assign_to_me", "_selected_action": ["abc"]}
    assert client.post("/admin/complaints/complaint/", selected).status_code == 400
    # Well-formed input still works: the guard refuses junk only.
    assert client.get(f"/admin/complaints/complaint/{complaint.pk}/change/").status_code == 200
    assert client.get("/admin/complaints/complaint/?state__exact=escalated").status_code == 200
    assert client.get("/admin/escalation/deadline/?due_at__year=2026").status_code == 200
    venting = factories.complaint_new()
    selected["_selected_action"] = [str(venting.pk)]
    assert client.post("/admin/complaints/complaint/", selected).status_code == 302
    venting.refresh_from_db()
    assert venting.assignee == frontline
