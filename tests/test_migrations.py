"""Migrations keep existing data.

- A database at the schema before the engine redesign (the last migration of each app before
  that change), holding a complaint with its log, deadlines and an outbox event, migrates to the
  current schema with every row intact and the new outbox mail table usable.
- A database from before the API's tables moved from `complaints` to `api` (state only, the
  tables keep their names), holding a token and an idempotency record, migrates with both rows
  usable through `api.models`, and a permission granted on tokens still attached to its group.
"""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [
    ("complaints", "0007_next_due_at"),
    ("escalation", "0004_translatable_labels"),
    ("compensation", "0003_translatable_labels"),
    ("webhooks", "0002_translatable_labels"),
]


def test_data_written_at_the_previous_schema_survives_the_migration():
    executor = MigrationExecutor(connection)
    latest = executor.loader.graph.leaf_nodes()
    executor.migrate(BEFORE)
    try:
        old = executor.loader.project_state(BEFORE).apps
        Customer = old.get_model("complaints", "Customer")
        Complaint = old.get_model("complaints", "Complaint")
        TransitionLog = old.get_model("complaints", "TransitionLog")
        Deadline = old.get_model("escalation", "Deadline")
        OutboxEvent = old.get_model("webhooks", "OutboxEvent")
        customer = Customer.objects.create(name="Cora Nutley", email="cora@example.com")
        complaint = Complaint.objects.create(
            reference="CMP-2026-000777",
            customer=customer,
            subject="Coconut opener missing",
            description="Your shop has really taken me for a ride!",
        )
        TransitionLog.objects.create(
            complaint=complaint,
            transition="intake",
            from_state="venting",
            to_state="venting",
            actor_label="channel: api",
        )
        from django.utils import timezone

        due = timezone.now()
        Deadline.objects.create(complaint=complaint, kind="first_response", due_at=due, warn_at=due)
        OutboxEvent.objects.create(type="complaint.created", payload={"complaint_id": complaint.pk})
    finally:
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(latest)

    from complaints.models import Complaint as Now
    from escalation.models import Deadline as NowDeadline
    from webhooks.models import OutboxEvent as NowEvent
    from webhooks.models import OutboxMail

    kept = Now.objects.get(reference="CMP-2026-000777")
    assert kept.customer.email == "cora@example.com" and kept.state == "venting"
    assert kept.transition_logs.get().transition == "intake"
    assert NowDeadline.objects.get(complaint=kept).kind == "first_response"
    assert NowEvent.objects.get().payload == {"complaint_id": kept.pk}
    mail = OutboxMail.objects.create(to=["lead@example.com"], subject="s", body="b")
    assert OutboxMail.objects.get(pk=mail.pk).attempts == 0


API_BEFORE = [("complaints", "0007_next_due_at"), ("api", None)]


def test_api_tokens_and_idempotency_records_survive_the_move_to_the_api_app():
    executor = MigrationExecutor(connection)
    latest = executor.loader.graph.leaf_nodes()
    executor.migrate(API_BEFORE)
    try:
        old = executor.loader.project_state([("complaints", "0007_next_due_at")]).apps
        assert not any(m._meta.app_label == "api" for m in old.get_models())
        User = old.get_model("auth", "User")
        Group = old.get_model("auth", "Group")
        Permission = old.get_model("auth", "Permission")
        ContentType = old.get_model("contenttypes", "ContentType")
        ApiToken = old.get_model("complaints", "ApiToken")
        IdempotencyRecord = old.get_model("complaints", "IdempotencyRecord")
        shop = User.objects.create(username="shop")
        ApiToken.objects.create(user=shop, name="shop", prefix="0123456789ab", key_hash="f" * 64)
        IdempotencyRecord.objects.create(
            user=shop, key="order-1", request_hash="e" * 64, status_code=201, response={"id": 7}
        )
        tokens, _ = ContentType.objects.get_or_create(app_label="complaints", model="apitoken")
        view, _ = Permission.objects.get_or_create(
            content_type=tokens, codename="view_apitoken", defaults={"name": "Can view API token"}
        )
        Group.objects.create(name="token auditors").permissions.add(view)
    finally:
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(latest)

    from django.contrib.auth.models import Group as NowGroup

    from api.models import ApiToken as NowToken
    from api.models import IdempotencyRecord as NowRecord

    token = NowToken.objects.select_related("user").get()
    assert (token.user.username, token.name, token.prefix) == ("shop", "shop", "0123456789ab")
    assert token.is_active
    record = NowRecord.objects.get(key="order-1")
    assert (record.user_id, record.status_code, record.response) == (token.user_id, 201, {"id": 7})
    granted = NowGroup.objects.get(name="token auditors").permissions.get()
    assert (granted.content_type.app_label, granted.codename) == ("api", "view_apitoken")
    assert granted.content_type.model_class() is NowToken


def test_tokens_issued_before_scopes_keep_working_with_their_roles_scopes():
    from api.services import _hash

    executor = MigrationExecutor(connection)
    latest = executor.loader.graph.leaf_nodes()
    executor.migrate([("api", "0001_initial")])
    keys = {}
    try:
        old = executor.loader.project_state([("api", "0001_initial")]).apps
        User = old.get_model("auth", "User")
        Group = old.get_model("auth", "Group")
        ApiToken = old.get_model("api", "ApiToken")
        for n, (username, group, superuser) in enumerate(
            [("shop", "integration", False), ("fl", "frontline", False), ("root", None, True)]
        ):
            user = User.objects.create(username=username, is_superuser=superuser)
            if group:
                user.groups.add(Group.objects.get_or_create(name=group)[0])
            prefix = f"{n:012x}"
            keys[username] = f"rdr_{prefix}_secret-{username}"
            ApiToken.objects.create(user=user, prefix=prefix, key_hash=_hash(keys[username]))
    finally:
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(latest)

    from api.models import ApiToken as NowToken
    from tests.api.conftest import Api

    scopes = dict(NowToken.objects.values_list("user__username", "scopes"))
    integration = ["complaints:read", "complaints:file", "customer:act", "webhooks:manage"]
    assert scopes == {
        "shop": integration,
        "fl": [*integration, "staff"],
        "root": [*integration, "staff"],
    }
    for username in ("shop", "fl"):
        assert Api(keys[username]).get("/complaints/").status_code == 200
