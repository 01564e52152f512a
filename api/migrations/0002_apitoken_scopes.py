# Tokens get scopes. Keys issued before keep working: each existing token gets the scopes its
# user's role allows today (staff and superusers all five, integrations all but `staff`).

from django.conf import settings
from django.db import migrations, models

INTEGRATION = ["complaints:read", "complaints:file", "customer:act", "webhooks:manage"]
STAFF = [*INTEGRATION, "staff"]
TIERS = ("frontline", "team_lead", "manager")


def give_existing_tokens_their_roles_scopes(apps, schema_editor):
    ApiToken = apps.get_model("api", "ApiToken")
    for token in ApiToken.objects.select_related("user").iterator():
        user = token.user
        groups = set(user.groups.values_list("name", flat=True))
        if user.is_superuser or groups & set(TIERS):
            scopes = STAFF
        elif "integration" in groups:
            scopes = INTEGRATION
        else:
            scopes = []
        ApiToken.objects.filter(pk=token.pk).update(scopes=scopes)


class Migration(migrations.Migration):
    dependencies = [
        ("api", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="apitoken",
            name="scopes",
            field=models.JSONField(
                blank=True, default=list, help_text="What the token may do (api.scopes.SCOPES)."
            ),
        ),
        migrations.RunPython(give_existing_tokens_their_roles_scopes, migrations.RunPython.noop),
    ]
