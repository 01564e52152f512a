"""The operations endpoints: thin views over `ops.health` and `ops.metrics`.

`/health/live` touches nothing but the process (no database, cache or session), so it answers
while the database is down; `/health/ready` runs every check and answers 200 or 503.
"""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from ops import health, metrics


@never_cache
@require_GET
def live(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


@never_cache
@require_GET
def ready(request: HttpRequest) -> JsonResponse:
    ok, checks = health.run_checks()
    return JsonResponse(
        {"status": "ok" if ok else "fail", "checks": checks}, status=200 if ok else 503
    )


@never_cache
@require_GET
def metrics_view(request: HttpRequest) -> HttpResponse:
    if not metrics.metrics_enabled():
        raise Http404
    if not metrics.metrics_allowed(request):
        response = HttpResponse(status=403, content_type="text/plain")
        response["WWW-Authenticate"] = "Bearer"
        return response
    return HttpResponse(
        metrics.exposition(), content_type=metrics.prometheus_client.CONTENT_TYPE_LATEST
    )
