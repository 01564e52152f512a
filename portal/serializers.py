"""The customer's acts over the API: input parsed strictly (`api.fields`), output documented."""

from __future__ import annotations

from rest_framework import serializers

from complaints.serializers import text
from portal.models import Decision


class SummaryConfirmationIn(serializers.Serializer):
    confirmed = serializers.BooleanField(
        help_text="`true`: the customer confirms the summary; `false`: they correct it "
        "(`correction` required, else a 422)."
    )
    correction = text(
        required=False,
        default="",
        allow_blank=True,
        help_text="What we got wrong, in the customer's words (becomes their message).",
    )


class RemedyResponseIn(serializers.Serializer):
    decision = serializers.ChoiceField(Decision.choices)
    words = text(
        required=False,
        default="",
        allow_blank=True,
        help_text="The customer's words: their acceptance, or why they decline (required then).",
    )


class RemedyResponseOut(serializers.Serializer):
    id = serializers.IntegerField()
    complaint_id = serializers.IntegerField()
    decision = serializers.ChoiceField(Decision.choices)
    words = serializers.CharField()
    at = serializers.DateTimeField(source="created_at")


class RatingIn(serializers.Serializer):
    fairness = serializers.IntegerField(
        min_value=1, max_value=5, help_text="Were you treated fairly? 1 (not at all) to 5."
    )
    solved = serializers.BooleanField(help_text="Is the problem solved?")
    comment = text(required=False, default="", allow_blank=True)


class RatingOut(serializers.Serializer):
    id = serializers.IntegerField()
    complaint_id = serializers.IntegerField()
    fairness = serializers.IntegerField()
    solved = serializers.BooleanField()
    comment = serializers.CharField()
    at = serializers.DateTimeField(source="created_at")
