"""Response policies for the financial categories (card payments, current account), like the
other categories' defaults, so their complaints get service clocks beside the legal ones."""

from django.db import migrations

CATEGORIES = ["card_payments", "current_account"]
DAY = 8 * 60
WINDOWS = {
    "low": (DAY, 15 * DAY, 2 * DAY),
    "normal": (4 * 60, 10 * DAY, DAY),
    "high": (2 * 60, 5 * DAY, 4 * 60),
    "critical": (60, 3 * DAY, 2 * 60),
}


def seed(apps, schema_editor):
    Calendar = apps.get_model("escalation", "BusinessCalendar")
    Policy = apps.get_model("escalation", "ResponsePolicy")
    calendar = Calendar.objects.filter(name="Default").first() or Calendar.objects.first()
    if calendar is None:
        return
    for category in CATEGORIES:
        for severity, (first, resolution, approval) in WINDOWS.items():
            Policy.objects.get_or_create(
                category=category,
                severity=severity,
                defaults={
                    "calendar": calendar,
                    "first_response_minutes": first,
                    "resolution_minutes": resolution,
                    "approval_minutes": approval,
                    "warn_percent": 75,
                },
            )


def unseed(apps, schema_editor):
    apps.get_model("escalation", "ResponsePolicy").objects.filter(
        category__in=CATEGORIES
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("escalation", "0006_regimes_regulatory_kinds")]
    operations = [migrations.RunPython(seed, unseed)]
