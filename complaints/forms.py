"""Small forms for the staff screens: one per transition that needs data, plus messages.

Forms only parse input; every rule is checked by the service the admin view calls. Text and
datetimes are parsed by `core.formfields` (the same `core.parsing` as the API): bidi controls and
invisible-only text are refused, a datetime needs a time (read in the user's time zone).
"""

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from complaints import selectors
from complaints.models import (
    Category,
    Channel,
    CustomerRequest,
    Fault,
    Outcome,
    Severity,
    Visibility,
    time_zone_choices,
)
from core.formfields import CleanCharField, StrictDateTimeField

_text = forms.Textarea(attrs={"rows": 3, "cols": 70})
_REQUEST_CHOICES = [("", _("Not stated")), *CustomerRequest.choices]


class CustomerRequestFields(forms.Form):
    """What the customer asks for: the same two fields at intake and in triage (listed last)."""

    customer_request = forms.ChoiceField(
        label=_("The customer asks for"), choices=_REQUEST_CHOICES, required=False
    )
    customer_request_detail = CleanCharField(
        single_line=True,
        label=_("In their words"),
        max_length=500,
        required=False,
        help_text=_("Required for “Other”; helpful for the rest."),
    )


class OutcomeFields(forms.Form):
    """The outcome a closing step records (listed last); the service decides when reasons are
    required."""

    # No outcome is preselected: the agent chooses one (blank is refused).
    outcome = forms.ChoiceField(
        label=_("Outcome"), choices=[("", _("— choose the outcome —")), *Outcome.choices]
    )
    outcome_reason = CleanCharField(
        label=_("Reasons for the outcome"),
        widget=_text,
        max_length=10_000,
        required=False,
        help_text=_("Required unless upheld: what was not upheld, and why."),
    )


def _last(form: type[forms.Form], *names: str) -> list[str]:
    """`field_order` that puts `names` (a mixin's fields) after the form's own."""
    return [*(n for n in form.base_fields if n not in names), *names]


class AcknowledgeForm(forms.Form):
    summary = CleanCharField(
        label=_("Summary"),
        widget=_text,
        max_length=10_000,
        help_text=_("The key points, restated in your words."),
    )
    summary_confirmed = forms.BooleanField(
        required=False, label=_("The customer confirmed the summary")
    )
    message = CleanCharField(
        label=_("Message"),
        widget=_text,
        max_length=10_000,
        help_text=_("Show understanding (sent to the customer)."),
    )
    promised_by = StrictDateTimeField(
        label=_("Promised by"),
        help_text=_("When the customer will hear from us next."),
    )


class ApologizeForm(forms.Form):
    message = CleanCharField(label=_("Message"), widget=_text, max_length=10_000)
    fault = forms.ChoiceField(
        label=_("Fault"), choices=Fault.choices, help_text=_("Whose fault it was.")
    )


class RemedyForm(OutcomeFields):
    message = CleanCharField(
        label=_("Message"),
        widget=_text,
        max_length=10_000,
        help_text=_("What we do to put it right."),
    )
    root_cause = CleanCharField(
        single_line=True,
        label=_("Root cause"),
        max_length=200,
        help_text=_("So the problem gets fixed for good."),
    )


class ReasonForm(forms.Form):
    reason = CleanCharField(label=_("Reason"), widget=_text, max_length=10_000)


class NoteForm(forms.Form):
    note = CleanCharField(label=_("Note"), widget=_text, max_length=10_000, required=False)


class ApproveForm(OutcomeFields, NoteForm):
    """Approve: the outcome proposed with the remedy stands unless the approver picks another
    (a plain approval, with nothing proposed, needs one)."""

    outcome = forms.ChoiceField(
        label=_("Outcome"),
        choices=[("", _("As proposed with the remedy")), *Outcome.choices],
        required=False,
    )


class ReturnForm(forms.Form):
    note = CleanCharField(
        label=_("Note"), widget=_text, max_length=10_000, help_text=_("Guidance for the agent.")
    )


class SetLimitsForm(OutcomeFields):
    reason = CleanCharField(
        label=_("Reason"),
        widget=_text,
        max_length=10_000,
        help_text=_("Internal: why, documented."),
    )
    message = CleanCharField(
        label=_("Message"),
        widget=_text,
        max_length=10_000,
        help_text=_("Final message to the customer."),
    )
    abuse = forms.BooleanField(required=False, label=_("Flag abuse (managers only)"))


class MessageOnlyForm(forms.Form):
    message = CleanCharField(label=_("Message"), widget=_text, max_length=10_000)


class PauseForm(forms.Form):
    reason = CleanCharField(
        label=_("Reason"), max_length=500, help_text=_("What we are waiting for.")
    )
    until = StrictDateTimeField(
        label=_("Until"),
        required=False,
    )


class EmptyForm(forms.Form):
    pass


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Any number of files from one input (Django's documented pattern); each is judged by the
    attachments service, not here."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, (list, tuple)):
            return [single(d, initial) for d in data if d]
        return [single(data, initial)] if data else []


class MessageForm(forms.Form):
    body = CleanCharField(label=_("Reply or note"), widget=_text, max_length=10_000)
    visibility = forms.ChoiceField(
        label=_("Visibility"), choices=Visibility.choices, initial=Visibility.PUBLIC
    )
    files = MultipleFileField(
        label=_("Files"),
        required=False,
        help_text=_("Photos and documents; programs are refused."),
    )


class IntakeForm(CustomerRequestFields):
    customer_name = CleanCharField(single_line=True, label=_("Customer name"), max_length=200)
    customer_email = forms.EmailField(label=_("Customer email"), max_length=254)
    customer_phone = CleanCharField(
        single_line=True, label=_("Customer phone"), max_length=40, required=False
    )
    channel = forms.ChoiceField(label=_("Channel"), choices=Channel.choices, initial=Channel.PHONE)
    category = forms.ChoiceField(label=_("Category"), choices=Category.choices)
    severity = forms.ChoiceField(
        label=_("Severity"), choices=Severity.choices, initial=Severity.NORMAL
    )
    subject = CleanCharField(single_line=True, label=_("Subject"), max_length=200)
    description = CleanCharField(
        label=_("Description"),
        widget=forms.Textarea(attrs={"rows": 6, "cols": 70}),
        max_length=10_000,
        help_text=_("The customer's own words, as they said them."),
    )


class TriageForm(CustomerRequestFields):
    """The complaint's triage data, edited in its own small form (not Django's change form)."""

    category = forms.ChoiceField(label=_("Category"), choices=Category.choices)
    severity = forms.ChoiceField(label=_("Severity"), choices=Severity.choices)
    subject = CleanCharField(single_line=True, label=_("Subject"), max_length=200)


class AssignForm(forms.Form):
    assignee = forms.ModelChoiceField(queryset=selectors.staff_agents(), label=_("Assign to"))


class StaffLanguageForm(forms.Form):
    """The small profile page: the language of one's screens and one's time zone."""

    language = forms.ChoiceField(
        label=_("Language of your screens"),
        required=False,
        help_text=_("Kept for your account, on every device you sign in from."),
    )

    time_zone = forms.ChoiceField(
        label=_("Your time zone"),
        required=False,  # left out: the one kept on the profile
        help_text=_("Due times, dates and date inputs are shown in it."),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["language"].choices = [
            ("", _("The language my browser asks for")),
            *settings.LANGUAGES,
        ]
        self.fields["time_zone"].choices = time_zone_choices()


# The mixins' fields come after each form's own.
for _form in (RemedyForm, SetLimitsForm, ApproveForm):
    _form.field_order = _last(_form, "outcome", "outcome_reason")
for _form in (IntakeForm, TriageForm):
    _form.field_order = _last(_form, "customer_request", "customer_request_detail")


class MergeForm(forms.Form):
    """Merge this complaint into another of its customer's: `merge_form_for` fills the choices."""

    into = forms.TypedChoiceField(
        label=_("Merge into"),
        coerce=int,
        choices=(),
        help_text=_(
            "The complaint that lives on: this one's timeline, deadlines and compensation move "
            "there, and this one ends as merged."
        ),
    )
    reason = CleanCharField(label=_("Reason"), widget=_text, max_length=10_000, required=False)


def merge_form_for(complaint) -> type[MergeForm]:
    """`MergeForm` offering the customer's other open complaints."""
    targets = selectors.complaint_merge_targets(complaint=complaint)

    class _MergeForm(MergeForm):
        def __init__(self, *args, **kwargs) -> None:
            super().__init__(*args, **kwargs)
            self.fields["into"].choices = targets

    return _MergeForm
