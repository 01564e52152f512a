"""Serializers of the compensation API: parse input, render output; no rule lives here."""

from __future__ import annotations

from rest_framework import serializers

from compensation import money
from compensation.models import CompensationRequest
from compensation.services.records import granted_item
from complaints.serializers import COMPENSATION_KINDS, CompensationItemIn, text


class CompensationIn(CompensationItemIn):
    """One compensation item requested on a complaint (same shape as a remedy item)."""


class DecisionIn(serializers.Serializer):
    note = text(required=False, allow_blank=True, default="")


class RejectIn(serializers.Serializer):
    note = text(help_text="Why; the complaint returns to the agent with it.")


class CompensationOut(serializers.ModelSerializer):
    complaint = serializers.IntegerField(source="complaint_id")
    complaint_reference = serializers.CharField(source="complaint.reference")
    kind = serializers.ChoiceField(COMPENSATION_KINDS)  # one enum in the schema with the input
    amount = serializers.SerializerMethodField()
    requested_by = serializers.CharField(source="requested_by.username")
    decided_by = serializers.CharField(source="decided_by.username", allow_null=True)
    rule = serializers.JSONField(source="rule_snapshot", help_text="The rule that decided it.")

    class Meta:
        model = CompensationRequest
        fields = [
            "id",
            "complaint",
            "complaint_reference",
            "kind",
            "amount",
            "currency",
            "quantity",
            "note",
            "status",
            "required_tier",
            "rule",
            "reason",
            "requested_by",
            "decided_by",
            "decided_at",
            "decision_note",
            "created_at",
        ]

    def get_amount(self, obj: CompensationRequest) -> str:
        return money.as_text(obj.amount, obj.currency)


def compensation_section(requests: list[CompensationRequest]) -> list[dict]:
    return CompensationOut(requests, many=True).data


def granted_section(requests: list[CompensationRequest]) -> list[dict]:
    """The customer-safe section: kind, amount, currency, quantity of what was given (the shape
    `complaints.serializers.GrantedCompensationOut` documents)."""
    return [granted_item(r) for r in requests]
