"""Serializers of the compensation API: parse input, render output; no rule lives here."""

from __future__ import annotations

from drf_spectacular.extensions import OpenApiSerializerExtension
from rest_framework import serializers

from compensation import decision, money
from compensation.models import CompensationRequest
from compensation.services.records import granted_item
from complaints.models import Outcome
from complaints.serializers import (
    COMPENSATION_KINDS,
    COMPENSATION_NATURES,
    CompensationItemIn,
    text,
)


class CompensationIn(CompensationItemIn):
    """One compensation item requested on a complaint (same shape as a remedy item)."""


class DecisionIn(serializers.Serializer):
    note = text(required=False, allow_blank=True, default="")
    outcome = serializers.ChoiceField(
        Outcome.choices,
        required=False,
        allow_blank=True,
        default="",
        help_text="The outcome the approval records; empty or left out: the one proposed with "
        "the remedy (a request made without a remedy needs one, else a 400).",
    )
    outcome_reason = text(
        required=False,
        allow_blank=True,
        default="",
        help_text="Why; required for `partly_upheld` and `not_upheld`, else a 422.",
    )


class RejectIn(serializers.Serializer):
    note = text(help_text="Why; the complaint returns to the agent with it.")


class CompensationOut(serializers.ModelSerializer):
    complaint = serializers.IntegerField(source="complaint_id")
    complaint_reference = serializers.CharField(source="complaint.reference")
    kind = serializers.ChoiceField(COMPENSATION_KINDS)  # one enum in the schema with the input
    nature = serializers.ChoiceField(COMPENSATION_NATURES)
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
            "nature",
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


class CompensationItemSchema(OpenApiSerializerExtension):
    """What the money rules (`compensation.money`, `compensation.services.items`) accept, told
    to the OpenAPI document of the item shape complaints declares: the currencies in use, each
    with its decimals, at most `MAX_AMOUNT`, and more than zero for a kind that pays money."""

    target_class = CompensationItemIn
    match_subclasses = True

    def map_serializer(self, auto_schema, direction):
        schema = auto_schema._map_basic_serializer(self.target, direction)
        if direction != "request":
            return schema
        non_money = non_money_kinds()
        if set(money.CURRENCY_PRECISION.values()) - set(CURRENCIES_BY_DECIMALS):
            raise ValueError("a currency's decimals have no amount rule in the item schema")
        schema["properties"]["currency"]["enum"] = currencies()
        schema["allOf"] = [
            {
                "oneOf": [
                    _amount_rule(codes(), _amount_pattern(decimals))
                    for decimals, codes in sorted(CURRENCIES_BY_DECIMALS.items())
                ]
            },
            {
                "anyOf": [
                    {"properties": {"kind": {"type": "string", "enum": non_money}}},
                    {"properties": {"amount": {"pattern": r"^[0-9.]*[1-9][0-9.]*$"}}},
                ]
            },
        ]
        description = schema.get("description", "")
        schema["description"] = (f"{description} " if description else "") + (
            f"Amounts are at most {money.MAX_AMOUNT}, written without leading zeros and with no "
            f"more decimals than the currency has (whole numbers in {', '.join(whole_currencies())}"
            f"), and more than zero for {', '.join(sorted(decision.MONEY_KINDS))}."
        )
        return schema


# The enums above, named in SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"].
def currencies() -> list[str]:
    return sorted(money.CURRENCY_PRECISION)


def whole_currencies() -> list[str]:
    return [c for c in currencies() if money.CURRENCY_PRECISION[c] == 0]


def cents_currencies() -> list[str]:
    return [c for c in currencies() if money.CURRENCY_PRECISION[c] == 2]


def mills_currencies() -> list[str]:
    return [c for c in currencies() if money.CURRENCY_PRECISION[c] == 3]


# One named enum per number of decimals (each its own amount rule in the item schema).
CURRENCIES_BY_DECIMALS = {0: whole_currencies, 2: cents_currencies, 3: mills_currencies}


def non_money_kinds() -> list[str]:
    return [k for k in COMPENSATION_KINDS if k not in decision.MONEY_KINDS]


def _amount_pattern(decimals: int) -> str:
    """Amounts `core.parsing.amount_parse` accepts with `decimals` places, up to MAX_AMOUNT
    (1000000: six digits, or the maximum itself)."""
    if decimals == 0:
        return r"^(0|[1-9][0-9]{0,5}|1000000)$"
    places = rf"[0-9]{{1,{decimals}}}"
    return rf"^((0|[1-9][0-9]{{0,5}})(\.{places})?|1000000(\.0{{1,{decimals}}})?)$"


def _amount_rule(currencies: list[str], pattern: str) -> dict:
    return {
        "properties": {
            "currency": {"type": "string", "enum": currencies},
            "amount": {"pattern": pattern},
        },
        "required": ["currency"],
    }
