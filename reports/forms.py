"""The admin page's query: a regime and a period (by default the last full half-year)."""

from __future__ import annotations

from datetime import date

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from regimes.models import Regime


def last_half_year(today: date) -> tuple[date, date]:
    """The last half-year that has ended: July–December of last year, or January–June."""
    if today.month > 6:
        return date(today.year, 1, 1), date(today.year, 6, 30)
    return date(today.year - 1, 7, 1), date(today.year - 1, 12, 31)


class ReturnForm(forms.Form):
    regime = forms.ChoiceField(label=_("Regime"))
    date_from = forms.DateField(label=_("From"), widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("To"), widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, data=None, **kwargs) -> None:
        start, end = last_half_year(timezone.localdate())
        super().__init__(
            data, initial={"regime": "uk_fca_disp", "date_from": start, "date_to": end}, **kwargs
        )
        self.fields["regime"].choices = list(Regime.objects.values_list("code", "name"))
