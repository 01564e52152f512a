# ApiToken and IdempotencyRecord now belong to the `api` app (api 0001 adds them to its state with
# the same tables). Here they leave complaints' state only: no table is dropped, no row lost.
# Their content types follow (so permissions granted on them and admin log entries stay attached),
# unless the target app already has its own row.

from django.db import migrations

MODELS = ('apitoken', 'idempotencyrecord')


def _move_content_types(apps, schema_editor, source, target):
    ContentType = apps.get_model('contenttypes', 'ContentType')
    content_types = ContentType.objects.db_manager(schema_editor.connection.alias)
    for model in MODELS:
        if not content_types.filter(app_label=target, model=model).exists():
            content_types.filter(app_label=source, model=model).update(app_label=target)
    ContentType.objects.clear_cache()


def to_api(apps, schema_editor):
    _move_content_types(apps, schema_editor, 'complaints', 'api')


def to_complaints(apps, schema_editor):
    _move_content_types(apps, schema_editor, 'api', 'complaints')


class Migration(migrations.Migration):

    dependencies = [
        ('complaints', '0007_next_due_at'),
        ('api', '0001_initial'),
        ('contenttypes', '0002_remove_content_type_name'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.DeleteModel(name='ApiToken'),
                migrations.DeleteModel(name='IdempotencyRecord'),
            ],
        ),
        migrations.RunPython(to_api, to_complaints),
    ]
