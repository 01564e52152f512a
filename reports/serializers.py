"""Shapes of the complaints return over the API: its query and its figures."""

from rest_framework import serializers

FORMATS = [("json", "JSON"), ("csv", "CSV")]


class ComplaintsReturnQuery(serializers.Serializer):
    regime = serializers.SlugField(
        max_length=32, help_text="The regime's code, e.g. `uk_fca_disp` (`none`: no regime)."
    )
    # `from` is a Python keyword: declared through the class namespace.
    vars()["from"] = serializers.DateField(help_text="The period's first day (YYYY-MM-DD).")
    to = serializers.DateField(help_text="The period's last day, inclusive (YYYY-MM-DD).")
    format = serializers.ChoiceField(
        FORMATS,
        required=False,
        default="json",
        help_text="`csv` for the CSV download (as `Accept: text/csv` does).",
    )


class ReturnMoneyOut(serializers.Serializer):
    currency = serializers.CharField()
    amount = serializers.CharField(help_text="The sum, with the currency's decimals.")


class ReturnFiguresOut(serializers.Serializer):
    opened = serializers.IntegerField(help_text="Received in the period.")
    closed = serializers.IntegerField(help_text="Closed (remedied or limits set) in the period.")
    outstanding = serializers.IntegerField(help_text="Still open at the period's end.")
    closed_within_3_business_days = serializers.IntegerField()
    closed_within_8_weeks = serializers.IntegerField(
        help_text="After three business days, within eight weeks."
    )
    closed_after_8_weeks = serializers.IntegerField()
    upheld = serializers.IntegerField(help_text="Closed upheld or partly upheld.")
    upheld_share = serializers.FloatField(
        allow_null=True, help_text="upheld / closed, 0 to 1; null when nothing closed."
    )
    redress = ReturnMoneyOut(many=True, help_text="Redress given, per currency.")
    goodwill = ReturnMoneyOut(many=True, help_text="Goodwill given, per currency.")


class ReturnRowOut(ReturnFiguresOut):
    category = serializers.CharField()
    category_label = serializers.CharField()
    root_cause = serializers.CharField(help_text='As recorded; "" when none was.')


class ReturnRegimeOut(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()


class ComplaintsReturnOut(serializers.Serializer):
    regime = ReturnRegimeOut()
    vars()["from"] = serializers.DateField()
    to = serializers.DateField()
    rows = ReturnRowOut(
        many=True, help_text="One per category × root cause with anything to report."
    )
    total = ReturnFiguresOut()
