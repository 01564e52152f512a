"""Shared fixtures: users in each role, a complaint walked to any state."""

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from complaints import services
from tests import factories


@pytest.fixture
def frontline(db):
    return factories.UserFactory(username="fl", groups=["frontline"])


@pytest.fixture
def frontline2(db):
    return factories.UserFactory(username="fl2", groups=["frontline"])


@pytest.fixture
def lead(db):
    return factories.UserFactory(username="lead", groups=["team_lead"])


@pytest.fixture
def manager(db):
    return factories.UserFactory(username="mgr", groups=["manager"])


@pytest.fixture
def integration(db):
    return factories.UserFactory(username="shop", groups=["integration"], is_staff=False)


@pytest.fixture
def outsider(db):
    return factories.UserFactory(username="nobody", groups=[])


@pytest.fixture
def complaint(db):
    return factories.complaint_in("venting")


@pytest.fixture
def walk():
    return factories.complaint_in


def in_hours(hours: float):
    return timezone.now() + timedelta(hours=hours)


@pytest.fixture
def is_postgres():
    return connection.vendor == "postgresql"


__all__ = ["in_hours", "services"]


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def pytest_runtest_setup(item):
    """`@pytest.mark.postgres` tests need row locks and real concurrency: skip them on SQLite."""
    if item.get_closest_marker("postgres") and connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (DATABASE_URL=postgres://...)")
