"""The letters API's input and output shapes (documented in the OpenAPI schema)."""

from __future__ import annotations

from drf_spectacular.extensions import OpenApiSerializerExtension
from rest_framework import serializers

from complaints.serializers import AttachmentOut, ExpectedVersion, text
from letters.models import LetterKind, LetterSource

MAX_TEMPLATE_ID = 2**63 - 1


class LetterIn(ExpectedVersion):
    kind = serializers.ChoiceField(LetterKind.choices, help_text="Which letter.")
    body = text(
        required=False,
        help_text="Your own text instead of a template; it may use the template variables "
        "(e.g. `{{ referral_right }}`). Checked for what the regime requires like a template.",
    )
    template = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=MAX_TEMPLATE_ID,
        help_text="A letter template's id; left out (and no `body`): the regime's template "
        "for the customer's language, else the standard text.",
    )

    def validate(self, attrs):
        if "body" in attrs and "template" in attrs:
            raise serializers.ValidationError(
                {"template": ["Send either `body` or `template`, not both."]}
            )
        return attrs


class LetterInSchema(OpenApiSerializerExtension):
    """The document says what `validate` refuses: `body` and `template` never together."""

    target_class = LetterIn

    def map_serializer(self, auto_schema, direction):
        schema = auto_schema._map_basic_serializer(self.target, direction)
        return {**schema, "not": {"required": ["body", "template"]}}


class LetterOut(serializers.Serializer):
    id = serializers.IntegerField()
    complaint_id = serializers.IntegerField()
    kind = serializers.ChoiceField(LetterKind.choices)
    regime = serializers.CharField(help_text="The regime's code; `none` when not regulated.")
    language = serializers.CharField()
    source = serializers.ChoiceField(LetterSource.choices)
    template = serializers.IntegerField(source="template_id", allow_null=True)
    checked = serializers.ListField(
        child=serializers.CharField(), help_text="The mandatory items found in the text."
    )
    message_id = serializers.IntegerField(help_text="The public timeline message carrying it.")
    body = serializers.CharField(source="message.body")
    attachments = AttachmentOut(
        many=True, source="message.attachments.all", help_text="The letter as a PDF."
    )
    sent_at = serializers.DateTimeField()
    sent_by = serializers.CharField(source="sent_by_label")
