"""Shared fixtures: users in each role, a complaint walked to any state."""

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from complaints import services
from tests import factories


@pytest.fixture(autouse=True)
def _fresh_policy_cache():
    """Policies are cached per process; a test's own policies (even those written with a
    queryset update, which sends no signal) must be what it reads."""
    from escalation.selectors import policy_cache_clear

    policy_cache_clear()
    yield
    policy_cache_clear()


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


def pytest_collection_modifyitems(config, items):
    """Marker handling for the whole suite.

    - `postgres` tests need row locks and real concurrency: skipped on SQLite (CI runs them).
    - A transactional test (threads, live server, real worker) flushes the database when it
      ends, taking the rows data migrations seeded (groups, rules, policies) with it; each gets
      them back (serialized_rollback), so the order tests run in does not matter.
    """
    from django.conf import settings as django_settings

    on_postgres = "postgresql" in django_settings.DATABASES["default"]["ENGINE"]
    skip = pytest.mark.skip(reason="needs PostgreSQL (DATABASE_URL=postgres://...)")
    for item in items:
        if "postgres" in item.keywords and not on_postgres:
            item.add_marker(skip)
        marker = item.get_closest_marker("django_db")
        if (
            marker
            and marker.kwargs.get("transaction")
            and "serialized_rollback" not in marker.kwargs
        ):
            kwargs = {**marker.kwargs, "serialized_rollback": True}
            item.add_marker(pytest.mark.django_db(*marker.args, **kwargs), append=False)


# --- escalation (issue 4): postgres-only tests, and a file-based SQLite test database so a real
# Celery worker process started by an integration test sees the same data.


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix):
    from django.conf import settings
    from django.db import connections

    db = connections["default"].settings_dict
    if db["ENGINE"] == "django.db.backends.sqlite3" and not db["TEST"].get("NAME"):
        db["TEST"]["NAME"] = str(settings.VAR_DIR / "test-db.sqlite3")


# --- i18n: a request with Accept-Language activates its language in this thread (LocaleMiddleware
# does not reset it), so every test starts and ends in the default language.
@pytest.fixture(autouse=True)
def _default_language_after_each_test():
    from django.utils import translation

    yield
    translation.deactivate()


@pytest.fixture(scope="session", autouse=True)
def _flush_past_audit_triggers():
    """A transactional test ends with a flush: TRUNCATE of every table, which the audit tables'
    triggers refuse on PostgreSQL. Emptying the test database is the one truncate meant to pass,
    so the flush command alone runs with those triggers ignored (`pgtrigger.ignore`)."""
    import pgtrigger
    from django.core.management.commands import flush

    uris = [
        f"{model._meta.label}:{trigger.name}"
        for model, trigger in pgtrigger.registered()
        if trigger.name == "audit_truncate"
    ]
    handle = flush.Command.handle

    def handle_ignoring_audit(self, **options):
        if connection.vendor != "postgresql":
            return handle(self, **options)
        with pgtrigger.ignore(*uris):
            return handle(self, **options)

    flush.Command.handle = handle_ignoring_audit
    yield
    flush.Command.handle = handle
