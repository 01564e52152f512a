"""One customer per person: merge the duplicates intake made, then let the database refuse new ones.

Customers are duplicates when they share an email address (case-insensitively, compared by the
database's own UPPER, the expression the new unique index uses) or a non-empty `external_ref`;
chains count (A shares an email with B, B a reference with C: one person). Of each group the
oldest customer survives and keeps its own contact data; its empty phone, external_ref and owner
are filled from the merged customers (oldest first; the owner only from one holding the reference
kept, since an owner is the integration that registered that reference). A merged customer's
other reference is dropped: one person, one reference. Every row that points at a merged customer (complaints, the compensation
requests that denormalise the customer, any other foreign key found through the historical
model's `related_objects`) is moved to the survivor, then the merged customers are deleted.
Only then the old plain index is replaced by the unique constraints. Not reversible in data: going
back keeps the merged customers merged.
"""

import django.db.models.functions.text
from django.conf import settings
from django.db import migrations, models


def _groups(Customer):
    """Lists of duplicate customer ids, oldest first; only customers with a duplicate are read."""
    from django.db.models import Count
    from django.db.models.functions import Upper

    by_email = Customer.objects.annotate(key=Upper("email"))
    dup_emails = by_email.values("key").annotate(n=Count("id")).filter(n__gt=1).values("key")
    dup_refs = (
        Customer.objects.exclude(external_ref="")
        .values("external_ref")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .values("external_ref")
    )
    rows = list(
        by_email.filter(models.Q(key__in=dup_emails) | models.Q(external_ref__in=dup_refs))
        .order_by("created_at", "pk")
        .values_list("pk", "key", "external_ref")
    )
    parent = {pk: pk for pk, _, _ in rows}

    def root(pk):
        while parent[pk] != pk:
            parent[pk] = parent[parent[pk]]
            pk = parent[pk]
        return pk

    first_with = {}
    for pk, key, ref in rows:
        for shared in (("email", key), ("ref", ref) if ref else None):
            if shared is None:
                continue
            other = first_with.setdefault(shared, pk)
            a, b = root(other), root(pk)
            if a != b:
                parent[b] = a
    groups = {}
    for pk, _, _ in rows:  # in age order, so each group lists its oldest first
        groups.setdefault(root(pk), []).append(pk)
    return [ids for ids in groups.values() if len(ids) > 1]


def merge_duplicates(apps, schema_editor):
    Customer = apps.get_model("complaints", "Customer")
    relations = Customer._meta.related_objects
    if any(r.many_to_many for r in relations):  # none at this point of history
        raise RuntimeError("merge_duplicates does not move many-to-many rows")
    for ids in _groups(Customer):
        survivor_id, merged_ids = ids[0], ids[1:]
        survivor = Customer.objects.get(pk=survivor_id)
        merged = list(Customer.objects.filter(pk__in=merged_ids).order_by("created_at", "pk"))
        for rel in relations:
            rel.related_model._base_manager.filter(**{f"{rel.field.name}__in": merged_ids}).update(
                **{rel.field.name: survivor_id}
            )
        if not survivor.phone:
            survivor.phone = next((m.phone for m in merged if m.phone), "")
        if not survivor.external_ref:
            survivor.external_ref = next((m.external_ref for m in merged if m.external_ref), "")
        if survivor.owner_id is None and survivor.external_ref:
            # The owner is the integration that registered the reference: only its own.
            survivor.owner_id = next(
                (
                    m.owner_id
                    for m in merged
                    if m.owner_id is not None and m.external_ref == survivor.external_ref
                ),
                None,
            )
        # Delete first: the survivor takes a reference one of them still holds.
        Customer.objects.filter(pk__in=merged_ids).delete()
        Customer.objects.filter(pk=survivor_id).update(
            phone=survivor.phone, external_ref=survivor.external_ref, owner_id=survivor.owner_id
        )
    if schema_editor.connection.vendor == "postgresql":
        # The moved and deleted rows queued deferred foreign-key checks; a table with pending
        # trigger events cannot take the new indexes in the same transaction.
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")


class Migration(migrations.Migration):
    dependencies = [
        ("complaints", "0009_filed_by_and_customer_owner"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RunPython(merge_duplicates, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="customer",
            constraint=models.UniqueConstraint(
                django.db.models.functions.text.Upper("email"),
                name="customer_email_ci_unique",
                violation_error_message="A customer with this email address already exists.",
            ),
        ),
        migrations.RemoveIndex(
            model_name="customer",
            name="customer_email_upper",
        ),
        migrations.AddConstraint(
            model_name="customer",
            constraint=models.UniqueConstraint(
                condition=models.Q(("external_ref", ""), _negated=True),
                fields=("external_ref",),
                name="customer_external_ref_unique",
                violation_error_message="A customer with this external reference already exists.",
            ),
        ),
    ]
