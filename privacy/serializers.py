"""Shapes of the privacy API: what an anonymisation answers, and the export's query."""

from rest_framework import serializers

from complaints.serializers import text


class ExportIn(serializers.Serializer):
    internal = serializers.BooleanField(
        required=False,
        default=False,
        help_text="Include staff's internal notes (for a reviewed full disclosure).",
    )


class AnonymiseIn(serializers.Serializer):
    reason = text(
        max_length=500,
        required=False,
        allow_blank=True,
        default="",
        help_text="Why (e.g. the erasure request's reference); kept in the personal data log.",
    )


class AnonymisedOut(serializers.Serializer):
    customer_id = serializers.IntegerField()
    anonymised_at = serializers.DateTimeField()
    already = serializers.BooleanField(help_text="Anonymised before: nothing changed this time.")
    complaints = serializers.IntegerField(help_text="Complaints whose text was removed.")
    messages = serializers.IntegerField(help_text="Timeline messages changed.")
    audit_rows = serializers.IntegerField(help_text="Audit rows redacted.")
    files = serializers.IntegerField(help_text="Stored files deleted.")
