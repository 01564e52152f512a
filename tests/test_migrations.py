"""Migrations keep existing data.

- A database at the schema before the engine redesign (the last migration of each app before
  that change), holding a complaint with its log, deadlines and an outbox event, migrates to the
  current schema with every row intact and the new outbox mail table usable.
- A database from before the API's tables moved from `complaints` to `api` (state only, the
  tables keep their names), holding a token and an idempotency record, migrates with both rows
  usable through `api.models`, and a permission granted on tokens still attached to its group.
- A database from before one-customer-per-person, holding duplicate customers (same email in
  another case; same external_ref under another email), migrates to one customer per person:
  the oldest, with every complaint and compensation request moved to it, then refuses a new
  duplicate.
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


MERGE_BEFORE = [("complaints", "0009_filed_by_and_customer_owner")]


def test_duplicate_customers_are_merged_into_the_oldest_before_the_unique_constraints():
    """Written at the schema before one-customer-per-person: Cora four times (twice more by
    email in another case, once by her shop reference only), Dora twice by email (each with her
    own reference), and Ed once. After the migration the oldest of each person remains with
    every complaint and compensation request, keeps her own contact data and has her empty
    phone, reference and owner filled in."""
    from datetime import timedelta

    from django.utils import timezone

    executor = MigrationExecutor(connection)
    latest = executor.loader.graph.leaf_nodes()
    executor.migrate(MERGE_BEFORE)
    try:
        executor.loader.build_graph()
        old = executor.loader.project_state(list(executor.loader.applied_migrations)).apps
        Customer = old.get_model("complaints", "Customer")
        Complaint = old.get_model("complaints", "Complaint")
        CompensationRequest = old.get_model("compensation", "CompensationRequest")
        User = old.get_model("auth", "User")
        shop = User.objects.create(username="shop")
        agent = User.objects.create(username="fl")
        t0 = timezone.now() - timedelta(days=10)

        def customer(days, **fields):
            return Customer.objects.create(created_at=t0 + timedelta(days=days), **fields)

        # Created out of pk order: the oldest by created_at survives, not the lowest id.
        cora_shop = customer(
            2, name="C. Nutley", email="CORA@Example.com", phone="+49 30 1", external_ref="shop-1"
        )
        cora_shop.owner = shop
        cora_shop.save()
        cora = customer(0, name="Cora Nutley", email="cora@example.com")
        cora_alias = customer(
            3, name="Cora N.", email="c.nutley@example.com", phone="+49 30 2", external_ref="shop-1"
        )
        cora_upper = customer(1, name="CORA", email="Cora@example.COM", phone="+49 30 3")
        dora = customer(
            0, name="Dora", email="dora@example.com", phone="+1 555 0100", external_ref="crm-5"
        )
        dora_twin = customer(
            1, name="Dora 2", email="DORA@example.com", phone="+1 555 0199", external_ref="shop-2"
        )
        dora_twin.owner = shop
        dora_twin.save()
        ed = customer(0, name="Ed", email="ed@example.com")
        refs = {}
        for c in (cora, cora_shop, cora_alias, cora_upper, dora, dora_twin, ed):
            complaint = Complaint.objects.create(
                reference=f"CMP-2026-{c.pk:06d}", customer=c, subject="s", description="d"
            )
            refs[c.pk] = complaint.reference
        given = CompensationRequest.objects.create(
            complaint=Complaint.objects.get(customer=cora_alias),
            customer=cora_alias,
            kind="refund",
            amount="30",
            requested_by=agent,
            status="granted",
            required_tier="frontline",
        )
    finally:
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(latest)

    from django.db import IntegrityError, transaction

    from compensation.models import CompensationRequest as NowRequest
    from complaints.models import Complaint as NowComplaint
    from complaints.models import Customer as NowCustomer

    rows = {c.pk: c for c in NowCustomer.objects.all()}
    assert set(rows) == {cora.pk, dora.pk, ed.pk}
    kept = rows[cora.pk]
    assert (kept.name, kept.email) == ("Cora Nutley", "cora@example.com")  # her own data kept
    # Filled from the merged ones: the oldest phone, the reference and its owner.
    assert (kept.phone, kept.external_ref, kept.owner_id) == ("+49 30 3", "shop-1", shop.pk)
    # A stored phone or reference is never replaced; an owner comes only with its reference.
    kept = rows[dora.pk]
    assert (kept.phone, kept.external_ref, kept.owner_id) == ("+1 555 0100", "crm-5", None)
    by_customer = {
        reference: customer_id
        for reference, customer_id in NowComplaint.objects.values_list("reference", "customer_id")
    }
    assert by_customer == {
        refs[cora.pk]: cora.pk,
        refs[cora_shop.pk]: cora.pk,
        refs[cora_alias.pk]: cora.pk,
        refs[cora_upper.pk]: cora.pk,
        refs[dora.pk]: dora.pk,
        refs[dora_twin.pk]: dora.pk,
        refs[ed.pk]: ed.pk,
    }
    assert NowRequest.objects.get(pk=given.pk).customer_id == cora.pk
    # From now on the database itself refuses a second Cora.
    with pytest.raises(IntegrityError), transaction.atomic():
        NowCustomer.objects.create(name="Cora", email="CORA@EXAMPLE.COM")
    with pytest.raises(IntegrityError), transaction.atomic():
        NowCustomer.objects.create(name="X", email="x@example.com", external_ref="shop-1")


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
