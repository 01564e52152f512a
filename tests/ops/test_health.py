"""/health/live answers without the database; /health/ready checks database, cache, broker and
the sweep's freshness, and answers 503 naming what failed (never a driver's message)."""

from datetime import timedelta

from django.db import OperationalError
from django.utils import timezone

from escalation.models import SweepRun
from escalation.services import deadline_sweep
from ops import health


def test_live_answers_without_the_database(client):
    # No `db` fixture: pytest-django refuses any query, so this fails if live touches one.
    response = client.get("/health/live")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-cache" in response["Cache-Control"]


def test_live_refuses_post(client):
    assert client.post("/health/live").status_code == 405


def test_ready_after_a_sweep(client, db, settings):
    deadline_sweep(batch_size=100)
    response = client.get("/health/ready")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "ok"
    assert set(body["checks"]) == {"database", "cache", "broker", "sweep"}
    assert all(check["status"] == "ok" for check in body["checks"].values())
    sweep = body["checks"]["sweep"]
    assert sweep["max_lag_seconds"] == 2 * settings.REDRESS_SWEEP_INTERVAL
    assert 0 <= sweep["lag_seconds"] < 5


def test_ready_fails_before_the_first_sweep(client, db):
    SweepRun.objects.all().delete()
    response = client.get("/health/ready")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "fail"
    assert body["checks"]["sweep"]["status"] == "fail"
    assert "not run yet" in body["checks"]["sweep"]["error"]
    assert body["checks"]["database"]["status"] == "ok"


def test_ready_fails_when_the_sweep_is_two_intervals_late(client, db, settings):
    settings.REDRESS_SWEEP_INTERVAL = 30
    deadline_sweep(batch_size=100)
    SweepRun.objects.update(finished_at=timezone.now() - timedelta(seconds=59))
    assert client.get("/health/ready").status_code == 200
    SweepRun.objects.update(finished_at=timezone.now() - timedelta(seconds=61))
    response = client.get("/health/ready")
    assert response.status_code == 503
    assert response.json()["checks"]["sweep"]["lag_seconds"] > 60


def test_a_failing_check_names_the_error_class_only(client, db, monkeypatch):
    deadline_sweep(batch_size=100)

    def down():
        raise OperationalError('connection to server at "db.internal" failed: password secret')

    monkeypatch.setitem(health.CHECKS, "database", down)
    response = client.get("/health/ready")
    assert response.status_code == 503
    database = response.json()["checks"]["database"]
    assert database["status"] == "fail"
    assert database["error"] == "OperationalError"
    assert "db.internal" not in response.content.decode()
    assert response.json()["checks"]["sweep"]["status"] == "ok"  # the others still ran


def test_cache_that_loses_what_it_stored_fails(client, db, settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
    deadline_sweep(batch_size=100)
    response = client.get("/health/ready")
    assert response.status_code == 503
    assert response.json()["checks"]["cache"]["status"] == "fail"


def test_broker_unreachable_fails(client, db, settings, monkeypatch):
    from celery import current_app

    # Nothing listens on port 9 (discard) here: the connection is refused at once.
    monkeypatch.setattr(current_app.conf, "broker_url", "redis://127.0.0.1:9/0")
    # Celery keeps the URL it writes to apart once a broker URL came from the environment.
    monkeypatch.setattr(current_app.conf, "broker_write_url", "redis://127.0.0.1:9/0")
    deadline_sweep(batch_size=100)
    response = client.get("/health/ready")
    assert response.status_code == 503
    broker = response.json()["checks"]["broker"]
    assert broker["status"] == "fail"
    assert broker["error"] in {"OperationalError", "ConnectionRefusedError", "ConnectionError"}
    assert broker["seconds"] < 10
