"""The `regime` section of the API complaint detail: render only, no rule."""

from __future__ import annotations

from rest_framework import serializers

from regimes import selectors


class RegimeOut(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    received_at = serializers.DateTimeField()
    retention_years = serializers.IntegerField(
        allow_null=True, help_text="Years its records are kept after closing; null: the default."
    )
    ombudsman_name = serializers.CharField(allow_blank=True)
    ombudsman_website = serializers.CharField(allow_blank=True)


def regime_section(*, complaint_id: int) -> list[dict]:
    """[] for an unregulated complaint, else its one regime (one query)."""
    record = selectors.complaint_regime(complaint_id=complaint_id)
    if record is None:
        return []
    regime = record.regime
    return [
        RegimeOut(
            {
                "code": regime.code,
                "name": regime.name,
                "received_at": record.received_at,
                "retention_years": regime.retention_years,
                "ombudsman_name": regime.ombudsman_name,
                "ombudsman_website": regime.ombudsman_website,
            }
        ).data
    ]
