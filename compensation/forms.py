"""Forms for the compensation screens. They only parse input; the services decide.

Amounts, currencies and text go through `core.formfields` (the same `core.parsing` as the API):
`١٢٣`, `1e2`, `eur`, and more decimals than the currency has are refused here as there.
"""

from __future__ import annotations

from django import forms
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from compensation import money
from compensation.models import AuthorityRule, Kind, Nature
from complaints.forms import RemedyForm
from complaints.models import Outcome
from core.formfields import AmountField, CleanCharField, CurrencyField, amount_currency_error

ITEM_ROWS = 3
_KIND_CHOICES = [("", _("— no compensation —")), *Kind.choices]
_NATURE_CHOICES = [("", _("As the kind usually is")), *Nature.choices]


class RemedyWithCompensationForm(RemedyForm):
    """The Remedy button: message and root cause, plus up to three compensation items."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for n in range(1, ITEM_ROWS + 1):
            self.fields[f"item{n}_kind"] = forms.ChoiceField(
                choices=_KIND_CHOICES, required=False, label=_("Item %(n)s: kind") % {"n": n}
            )
            self.fields[f"item{n}_amount"] = AmountField(
                required=False,
                label=_("Item %(n)s: amount (value)") % {"n": n},
            )
            self.fields[f"item{n}_currency"] = CurrencyField(
                required=False,
                initial=money.DEFAULT_CURRENCY,
                label=_("Item %(n)s: currency") % {"n": n},
            )
            self.fields[f"item{n}_quantity"] = forms.IntegerField(
                required=False, min_value=1, initial=1, label=_("Item %(n)s: quantity") % {"n": n}
            )
            self.fields[f"item{n}_note"] = CleanCharField(
                max_length=500, required=False, label=_("Item %(n)s: what exactly") % {"n": n}
            )
            self.fields[f"item{n}_nature"] = forms.ChoiceField(
                choices=_NATURE_CHOICES,
                required=False,
                label=_("Item %(n)s: redress or goodwill") % {"n": n},
                help_text=_(
                    "Blank: refund, replacement, shipping refund and store credit are redress; "
                    "voucher and gift are goodwill."
                ),
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
                if f"item{n}_amount" not in self.errors:
                    self.add_error(f"item{n}_amount", _("Enter the amount (0 for a free gift)."))
                continue
            if f"item{n}_currency" in self.errors:
                continue
            currency = data.get(f"item{n}_currency") or money.DEFAULT_CURRENCY
            refusal = amount_currency_error(amount, currency)
            if refusal:
                self.add_error(f"item{n}_amount", refusal)
                continue
            items.append(
                {
                    "kind": kind,
                    "amount": amount,
                    "currency": currency,
                    "quantity": data.get(f"item{n}_quantity") or 1,
                    "note": data.get(f"item{n}_note") or "",
                    "nature": data.get(f"item{n}_nature") or "",
                }
            )
        data["items"] = items
        return data


class DecisionForm(forms.Form):
    note = CleanCharField(
        widget=forms.Textarea(attrs={"rows": 2, "cols": 40}),
        max_length=10_000,
        required=False,
        label=_("Note"),
        help_text=_("Required to reject: guidance for the agent."),
    )
    outcome = forms.ChoiceField(
        choices=[("", _("As proposed with the remedy")), *Outcome.choices],
        required=False,
        label=_("Outcome"),
    )
    outcome_reason = CleanCharField(
        max_length=10_000, required=False, label=_("Reasons for the outcome")
    )


class AuthorityRuleForm(forms.ModelForm):
    # Typed limits are parsed as the API parses amounts (the currency's places: `clean`).
    max_per_grant = AmountField(label=capfirst(_("max per grant")))
    max_per_complaint = AmountField(label=capfirst(_("max per complaint")))
    max_per_customer_30d = AmountField(label=capfirst(_("max per customer per 30 days")))
    currency = CurrencyField(label=capfirst(_("currency")), initial=money.DEFAULT_CURRENCY)
    role = CleanCharField(
        single_line=True,
        label=capfirst(_("role")),
        max_length=150,
        help_text=_("Group name, e.g. frontline."),
    )

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
        if "currency" in self.errors:
            return data
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
