"""Existing "Withdrawn: …" decision notes get their code (`complaints.notes`), so they are read in
each reader's language; the stored text is not changed, and any other note keeps no code."""

import importlib

from django.db import migrations

_known = importlib.import_module("complaints.migrations.0023_i18n_note_codes_existing")
PREFIX = "Withdrawn: "


def forwards(apps, schema_editor):
    CompensationRequest = apps.get_model("compensation", "CompensationRequest")
    rows = []
    for r in CompensationRequest.objects.filter(
        decision_note__startswith=PREFIX, decision_note_code="", decided_by__isnull=True
    ).only("pk", "decision_note"):
        reason = r.decision_note[len(PREFIX) :]
        r.decision_note_code = "withdrawn"
        r.decision_note_params = {"reason": _known._nested(reason)}
        rows.append(r)
    CompensationRequest.objects.bulk_update(
        rows, ["decision_note_code", "decision_note_params"], batch_size=500
    )


class Migration(migrations.Migration):
    dependencies = [
        ("compensation", "0006_i18n_note_codes"),
        ("complaints", "0023_i18n_note_codes_existing"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop, elidable=True)]
