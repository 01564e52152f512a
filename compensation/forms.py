"""Forms for the compensation screens. They only parse input; the services decide."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from compensation import money
from compensation.models import AuthorityRule, Kind
from complaints.forms import RemedyForm

ITEM_ROWS = 3
_KIND_CHOICES = [("", _("— no compensation —")), *Kind.choices]


class RemedyWithCompensationForm(RemedyForm):
    """The Remedy button: message and root cause, plus up to three compensation items."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for n in range(1, ITEM_ROWS + 1):
            self.fields[f"item{n}_kind"] = forms.ChoiceField(
                choices=_KIND_CHOICES, required=False, label=_("Item %(n)s: kind") % {"n": n}
            )
            self.fields[f"item{n}_amount"] = forms.DecimalField(
                required=False,
                min_value=0,
                label=_("Item %(n)s: amount (value)") % {"n": n},
                widget=forms.TextInput(attrs={"inputmode": "decimal", "size": 10}),
            )
            self.fields[f"item{n}_currency"] = forms.CharField(
                max_length=3,
                required=False,
                initial=money.DEFAULT_CURRENCY,
                label=_("Item %(n)s: currency") % {"n": n},
                widget=forms.TextInput(attrs={"size": 4}),
            )
            self.fields[f"item{n}_quantity"] = forms.IntegerField(
                required=False, min_value=1, initial=1, label=_("Item %(n)s: quantity") % {"n": n}
            )
            self.fields[f"item{n}_note"] = forms.CharField(
                max_length=500, required=False, label=_("Item %(n)s: what exactly") % {"n": n}
            )

    def clean(self):
        data = super().clean()
        items = []
        for n in range(1, ITEM_ROWS + 1):
            kind = data.get(f"item{n}_kind")
            amount = data.get(f"item{n}_amount")
            if not kind:
                if amount not in (None, ""):
                    self.add_error(f"item{n}_kind", _("Choose the kind of compensation."))
                continue
            if amount is None:
                self.add_error(f"item{n}_amount", _("Enter the amount (0 for a free gift)."))
                continue
            items.append(
                {
                    "kind": kind,
                    "amount": amount,
                    "currency": (data.get(f"item{n}_currency") or money.DEFAULT_CURRENCY),
                    "quantity": data.get(f"item{n}_quantity") or 1,
                    "note": data.get(f"item{n}_note") or "",
                }
            )
        data["items"] = items
        return data


class DecisionForm(forms.Form):
    note = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2, "cols": 40}),
        max_length=10_000,
        required=False,
        label=_("Note"),
        help_text=_("Required to reject: guidance for the agent."),
    )


class AuthorityRuleForm(forms.ModelForm):
    class Meta:
        model = AuthorityRule
        fields = (
            "role",
            "kind",
            "max_per_grant",
            "max_per_complaint",
            "max_per_customer_30d",
            "currency",
        )

    def clean(self):
        """Input checks only (the same parser the service uses), so a typo is a form error."""
        data = super().clean()
        try:
            currency = money.parse_currency(data.get("currency") or "")
        except money.AmountError as e:
            self.add_error("currency", str(e))
            return data
        data["currency"] = currency
        for name in ("max_per_grant", "max_per_complaint", "max_per_customer_30d"):
            if data.get(name) is None:
                continue
            try:
                data[name] = money.parse_amount(data[name], currency, allow_zero=True)
            except money.AmountError as e:
                self.add_error(name, str(e))
        return data
