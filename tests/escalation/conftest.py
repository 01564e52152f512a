"""Helpers for the escalation tests: complaints filed and walked through the engine."""

from datetime import timedelta

import pytest
from django.utils import timezone

from complaints import services
from tests import factories


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """`committed(fn, **kw)` calls a service and checks it deferred nothing to after commit:
    the engine writes every derived row (deadlines, next_due_at) inside the change. Only what
    leaves the database may wait: the customer mail's task enqueue (its rows are written)."""

    def run(fn, **kwargs):
        with django_capture_on_commit_callbacks() as deferred:
            result = fn(**kwargs)
        deferred = [f for f in deferred if getattr(f, "__name__", "") != "enqueue_mail_tasks"]
        assert deferred == [], "a change left work for after commit"
        return result

    return run


@pytest.fixture
def agent(db):
    return factories.UserFactory(username="agent", groups=["frontline"], email="agent@example.com")


@pytest.fixture
def filed(committed):
    """A complaint filed through intake with its deadlines started."""

    def make(**kwargs):
        return committed(factories.complaint_new, **kwargs)

    return make


@pytest.fixture
def acknowledged(committed, filed, agent):
    def make(promise_in=timedelta(hours=4), **kwargs):
        c = filed(**kwargs)
        return committed(
            services.complaint_acknowledge,
            complaint_id=c.pk,
            actor=agent,
            summary="Opener missing",
            message="I understand.",
            promised_by=timezone.now() + promise_in,
        )

    return make


@pytest.fixture
def seeded(transactional_db):
    """For transactional tests: what the data migrations seed (an earlier transactional test
    may have flushed it), put back idempotently by the migrations' own functions."""
    import importlib

    from django.apps import apps

    importlib.import_module("complaints.migrations.0002_roles").create_groups(apps, None)
    importlib.import_module("escalation.migrations.0002_default_policies").seed(apps, None)
