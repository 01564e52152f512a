"""Seed a default calendar (Berlin, Mon–Fri 09:00–17:00, public holidays of DE-BE) and one
response policy per category × severity. Managers tune them in the admin afterwards."""

from django.db import migrations

CATEGORIES = ["missing_item", "damaged", "delivery", "billing", "service", "product", "other"]
DAY = 8 * 60  # business minutes in a working day of the default calendar
# severity: (first response, resolution, approval decision) in business minutes
WINDOWS = {
    "low": (DAY, 15 * DAY, 2 * DAY),
    "normal": (4 * 60, 10 * DAY, DAY),
    "high": (2 * 60, 5 * DAY, 4 * 60),
    "critical": (60, 3 * DAY, 2 * 60),
}


def seed(apps, schema_editor):
    Calendar = apps.get_model("escalation", "BusinessCalendar")
    Policy = apps.get_model("escalation", "ResponsePolicy")
    calendar, _ = Calendar.objects.get_or_create(
        name="Default",
        defaults={
            "time_zone": "Europe/Berlin",
            "holiday_country": "DE",
            "holiday_subdivision": "BE",
        },
    )
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
    apps.get_model("escalation", "ResponsePolicy").objects.all().delete()
    apps.get_model("escalation", "BusinessCalendar").objects.filter(name="Default").delete()


class Migration(migrations.Migration):
    dependencies = [("escalation", "0001_initial")]
    operations = [migrations.RunPython(seed, unseed)]
