"""Seed the default authority rules (DESIGN §3): frontline small, team lead medium, manager
large; above that only superusers. Amounts in EUR: (per grant, per complaint, per customer 30d).

Frontline covers the coconut remedy of DESIGN §7 (an opener by express plus one coconut as a
gift) but not a 400 EUR refund, which is also beyond a team lead's per-grant limit.
"""

from decimal import Decimal as D

from django.db import migrations

DEFAULTS = {
    "frontline": {
        "refund": ("50", "100", "150"),
        "replacement": ("50", "100", "150"),
        "store_credit": ("50", "100", "150"),
        "voucher": ("25", "50", "75"),
        "gift": ("20", "30", "50"),
        "shipping_refund": ("25", "50", "75"),
    },
    "team_lead": {
        "refund": ("250", "350", "500"),
        "replacement": ("250", "500", "750"),
        "store_credit": ("250", "500", "750"),
        "voucher": ("100", "200", "300"),
        "gift": ("50", "100", "150"),
        "shipping_refund": ("100", "200", "300"),
    },
    "manager": {
        "refund": ("2000", "3000", "5000"),
        "replacement": ("2000", "3000", "5000"),
        "store_credit": ("1000", "2000", "3000"),
        "voucher": ("500", "1000", "1500"),
        "gift": ("200", "400", "600"),
        "shipping_refund": ("500", "1000", "1500"),
    },
}


def seed(apps, schema_editor):
    AuthorityRule = apps.get_model("compensation", "AuthorityRule")
    for role, kinds in DEFAULTS.items():
        for kind, (grant, complaint, customer) in kinds.items():
            AuthorityRule.objects.get_or_create(
                role=role,
                kind=kind,
                defaults={
                    "max_per_grant": D(grant),
                    "max_per_complaint": D(complaint),
                    "max_per_customer_30d": D(customer),
                    "currency": "EUR",
                },
            )


def unseed(apps, schema_editor):
    AuthorityRule = apps.get_model("compensation", "AuthorityRule")
    for role, kinds in DEFAULTS.items():
        AuthorityRule.objects.filter(role=role, kind__in=list(kinds)).delete()


class Migration(migrations.Migration):
    dependencies = [("compensation", "0001_initial")]
    operations = [migrations.RunPython(seed, unseed)]
