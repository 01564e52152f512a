"""Small forms for the staff screens: one per transition that needs data, plus messages.

Forms only parse input; every rule is checked by the service the admin view calls.
"""

from django import forms

from complaints import selectors
from complaints.models import Category, Channel, Fault, Severity, Visibility

_text = forms.Textarea(attrs={"rows": 3, "cols": 70})


class AcknowledgeForm(forms.Form):
    summary = forms.CharField(
        widget=_text, max_length=10_000, help_text="The key points, restated in your words."
    )
    summary_confirmed = forms.BooleanField(
        required=False, label="The customer confirmed the summary"
    )
    message = forms.CharField(
        widget=_text, max_length=10_000, help_text="Show understanding (sent to the customer)."
    )
    promised_by = forms.DateTimeField(
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        help_text="When the customer will hear from us next.",
    )


class ApologizeForm(forms.Form):
    message = forms.CharField(widget=_text, max_length=10_000)
    fault = forms.ChoiceField(choices=Fault.choices, help_text="Whose fault it was.")


class RemedyForm(forms.Form):
    message = forms.CharField(
        widget=_text, max_length=10_000, help_text="What we do to put it right."
    )
    root_cause = forms.CharField(max_length=200, help_text="So the problem gets fixed for good.")


class ReasonForm(forms.Form):
    reason = forms.CharField(widget=_text, max_length=10_000)


class NoteForm(forms.Form):
    note = forms.CharField(widget=_text, max_length=10_000, required=False)


class ReturnForm(forms.Form):
    note = forms.CharField(widget=_text, max_length=10_000, help_text="Guidance for the agent.")


class SetLimitsForm(forms.Form):
    reason = forms.CharField(
        widget=_text, max_length=10_000, help_text="Internal: why, documented."
    )
    message = forms.CharField(
        widget=_text, max_length=10_000, help_text="Final message to the customer."
    )
    abuse = forms.BooleanField(required=False, label="Flag abuse (managers only)")


class MessageOnlyForm(forms.Form):
    message = forms.CharField(widget=_text, max_length=10_000)


class PauseForm(forms.Form):
    reason = forms.CharField(max_length=500, help_text="What we are waiting for.")
    until = forms.DateTimeField(
        required=False, widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )


class EmptyForm(forms.Form):
    pass


class MessageForm(forms.Form):
    body = forms.CharField(widget=_text, max_length=10_000, label="Reply or note")
    visibility = forms.ChoiceField(choices=Visibility.choices, initial=Visibility.PUBLIC)


class IntakeForm(forms.Form):
    customer_name = forms.CharField(max_length=200)
    customer_email = forms.EmailField(max_length=254)
    customer_phone = forms.CharField(max_length=40, required=False)
    channel = forms.ChoiceField(choices=Channel.choices, initial=Channel.PHONE)
    category = forms.ChoiceField(choices=Category.choices)
    severity = forms.ChoiceField(choices=Severity.choices, initial=Severity.NORMAL)
    subject = forms.CharField(max_length=200)
    description = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 6, "cols": 70}),
        max_length=10_000,
        help_text="The customer's own words, as they said them.",
    )


class AssignForm(forms.Form):
    assignee = forms.ModelChoiceField(queryset=selectors.staff_agents(), label="Assign to")
