"""Trigram (pg_trgm) GIN indexes for the queue's search, on PostgreSQL only.

Each index is on `UPPER(col)`, the very expression Django's `icontains` compares on PostgreSQL
(`UPPER(col::text) LIKE UPPER('%term%')`), so the planner answers a search from them
(`complaints.selectors.complaint_text_match`). Built CONCURRENTLY (non-atomic migration), so a
big table keeps taking writes meanwhile. SQLite gets nothing: it scans, as before.
"""

from django.db import migrations

INDEXES = {
    "complaint_reference_trgm": ("complaints_complaint", "reference"),
    "complaint_subject_trgm": ("complaints_complaint", "subject"),
    "complaint_description_trgm": ("complaints_complaint", "description"),
    "complaint_summary_trgm": ("complaints_complaint", "summary"),
    "customer_name_trgm": ("complaints_customer", "name"),
    "customer_email_trgm": ("complaints_customer", "email"),
}


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, (table, column) in INDEXES.items():
        schema_editor.execute(
            f'CREATE INDEX CONCURRENTLY IF NOT EXISTS "{name}" ON "{table}" '
            f'USING gin ((UPPER("{column}"::text)) gin_trgm_ops)'
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f'DROP INDEX CONCURRENTLY IF EXISTS "{name}"')


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("complaints", "0020_privacy_anonymised_merged"),
    ]

    operations = [migrations.RunPython(create, drop)]
