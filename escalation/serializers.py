"""The shape of the `deadlines` section of the API complaint detail (registered by
`escalation.apps` with `complaints.extensions.detail_section`): render only, no rule.

Imports only DRF and escalation's own models (never compensation).
"""

from rest_framework import serializers

from escalation.models import DeadlineKind, DeadlineStatus


class DeadlineOut(serializers.Serializer):
    kind = serializers.ChoiceField(DeadlineKind.choices)
    status = serializers.ChoiceField(DeadlineStatus.choices)
    due_at = serializers.DateTimeField(allow_null=True)
    warn_at = serializers.DateTimeField(allow_null=True)
    paused = serializers.BooleanField(help_text="The clock is stopped (the complaint is paused).")
    pausable = serializers.BooleanField(
        help_text="False for a regulatory clock: pausing and waiting for the customer never "
        "stop it; only the event its regime names does."
    )
