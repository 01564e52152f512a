"""Seed the regimes (limits from the public rules: FCA DISP 1.6, PSD2 Art. 101, CFPB company
response expectations) and put the two financial categories under theirs. Managers edit them in
the admin afterwards; a regime added later is a row, not code."""

from django.db import migrations

# code: (name, country, subdivision, time zone, retention years, ombudsman, website, clocks)
# clock: (kind, limit, days, warn days, stopped by, on lapse)
REGIMES = {
    "none": ("No regulatory regime", "", "", "Europe/Berlin", None, "", "", []),
    "uk_fca_disp": (
        "UK FCA complaint handling (DISP)",
        "GB",
        "ENG",
        "Europe/London",
        3,
        "Financial Ombudsman Service",
        "https://www.financial-ombudsman.org.uk/",
        [
            # Resolved by the close of the third business day: a summary resolution will do.
            (
                "reg_summary_window",
                3,
                "business",
                1,
                ["summary_resolution", "final_response"],
                "expire",
            ),
            (
                "reg_final_response",
                56,  # eight weeks
                "calendar",
                7,
                ["final_response", "summary_resolution", "written_acceptance"],
                "escalate",
            ),
        ],
    ),
    "eu_psd2": (
        "EU payment services (PSD2 Art. 101)",
        "DE",
        "",
        "Europe/Berlin",
        5,
        "Schlichtungsstelle der Deutschen Bundesbank",
        "https://www.bundesbank.de/de/service/schlichtungsstelle",
        [
            # A final response in 15 business days, or a holding reply by then and the final in 35.
            ("reg_holding_reply", 15, "business", 3, ["holding_reply", "final_response"], "escalate"),
            ("reg_final_response", 35, "business", 5, ["final_response"], "escalate"),
        ],
    ),
    "us_cfpb": (
        "US CFPB company response",
        "US",
        "",
        "America/New_York",
        3,
        "Consumer Financial Protection Bureau",
        "https://www.consumerfinance.gov/complaint/",
        [
            ("reg_holding_reply", 15, "calendar", 3, ["holding_reply", "final_response"], "escalate"),
            ("reg_final_response", 60, "calendar", 7, ["final_response", "closing"], "escalate"),
        ],
    ),
}
ASSIGNMENTS = {"card_payments": "eu_psd2", "current_account": "uk_fca_disp"}


def seed(apps, schema_editor):
    Regime = apps.get_model("regimes", "Regime")
    Clock = apps.get_model("regimes", "RegimeClock")
    Assignment = apps.get_model("regimes", "RegimeAssignment")
    for code, (name, country, subdiv, tz, years, ombudsman, website, clocks) in REGIMES.items():
        regime, _ = Regime.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "country": country,
                "subdivision": subdiv,
                "time_zone": tz,
                "retention_years": years,
                "ombudsman_name": ombudsman,
                "ombudsman_website": website,
            },
        )
        for kind, limit, days, warn, stops, lapse in clocks:
            Clock.objects.get_or_create(
                regime=regime,
                kind=kind,
                defaults={
                    "limit": limit,
                    "days": days,
                    "warn_days": warn,
                    "stops_on": stops,
                    "on_lapse": lapse,
                },
            )
    for category, code in ASSIGNMENTS.items():
        Assignment.objects.get_or_create(
            category=category, defaults={"regime": Regime.objects.get(code=code)}
        )


def unseed(apps, schema_editor):
    apps.get_model("regimes", "RegimeAssignment").objects.all().delete()
    apps.get_model("regimes", "RegimeClock").objects.all().delete()
    apps.get_model("regimes", "Regime").objects.filter(code__in=list(REGIMES)).delete()


class Migration(migrations.Migration):
    dependencies = [("regimes", "0001_initial")]
    operations = [migrations.RunPython(seed, unseed)]
