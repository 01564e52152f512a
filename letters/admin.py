"""Staff screens of letters: the complaint page's panel (the letters sent, and the form that
sends one), the letter templates managers edit (every save through `letter_template_save`, so
it is logged), their change log and the letter log (read-only). No rule lives here."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.loader import render_to_string
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from complaints.models import Complaint
from core import roles
from core.errors import DomainError
from core.logadmin import ReadOnlyAdmin
from letters import selectors, services
from letters.models import Letter, LetterKind, LetterTemplate, LetterTemplateChange


def _manager(request: HttpRequest) -> bool:
    return roles.user_rank(request.user) >= roles.tier_rank(roles.MANAGER)


class LetterSendForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("Letter"), choices=LetterKind.choices)
    template = forms.ModelChoiceField(
        label=gettext_lazy("Template"),
        queryset=LetterTemplate.objects.none(),
        required=False,
        empty_label=gettext_lazy("The regime's text for the customer's language"),
    )
    body = forms.CharField(
        label=gettext_lazy("Or your own text"),
        widget=forms.Textarea(attrs={"rows": 6}),
        required=False,
        help_text=gettext_lazy(
            "Blank: the template. Your own text may use the same variables, e.g. "
            "{{ referral_right }}; what the regime requires is checked before it is sent."
        ),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["template"].queryset = selectors.letter_templates()


def complaint_letters_panel(request: HttpRequest, complaint: Complaint) -> str:
    """The complaint page block: the letters sent (with their PDF) and the send form."""
    return render_to_string(
        "admin/letters/complaint_panel.html",
        {
            "letters": selectors.complaint_letters(complaint_id=complaint.pk),
            "form": LetterSendForm(),
            "send_url": reverse("admin:letters_letter_send", args=[complaint.pk]),
            "version": complaint.version,
            "may_send": roles.is_agent(request.user),
        },
        request=request,
    )


@admin.register(Letter)
class LetterAdmin(ReadOnlyAdmin):
    list_display = ("sent_at", "complaint", "kind", "regime", "language", "source", "sent_by_label")
    list_filter = ("kind", "regime", "language", "source")
    list_select_related = ("complaint",)
    search_fields = ("complaint__reference",)
    readonly_fields = (
        "complaint",
        "message",
        "kind",
        "regime",
        "language",
        "source",
        "template",
        "checked",
        "sent_by",
        "sent_by_label",
        "sent_at",
    )

    def get_urls(self):
        return [
            path(
                "send/<int:complaint_id>/",
                self.admin_site.admin_view(self.send_view),
                name="letters_letter_send",
            ),
            *super().get_urls(),
        ]

    def send_view(self, request: HttpRequest, complaint_id: int) -> HttpResponse:
        change_url = reverse("admin:complaints_complaint_change", args=[complaint_id])
        if request.method != "POST":
            return HttpResponseRedirect(change_url)
        form = LetterSendForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Choose a letter and, if you like, a template."))
            return HttpResponseRedirect(change_url)
        data = form.cleaned_data
        version = request.POST.get("expected_version", "")
        try:
            letter = services.letter_send(
                complaint_id=complaint_id,
                actor=request.user,
                kind=data["kind"],
                body=data["body"] or None,
                template_id=data["template"].pk if data["template"] else None,
                expected_version=int(version) if version.isdigit() else None,
            )
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request,
                _("%(letter)s sent; its PDF is on the timeline.")
                % {"letter": letter.get_kind_display()},
            )
        return HttpResponseRedirect(change_url)


class LetterTemplateForm(forms.ModelForm):
    language = forms.ChoiceField(label=gettext_lazy("language"), choices=settings.LANGUAGES)

    class Meta:
        model = LetterTemplate
        fields = ("regime", "kind", "language", "subject", "body", "active")


@admin.register(LetterTemplate)
class LetterTemplateAdmin(ReadOnlyAdmin):
    form = LetterTemplateForm
    list_display = ("regime", "kind", "language", "subject", "active", "updated_at")
    list_filter = ("regime", "kind", "language", "active")

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _manager(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return _manager(request)

    def save_model(self, request: HttpRequest, obj: LetterTemplate, form, change: bool) -> None:
        saved = services.letter_template_save(
            actor=request.user, data=form.cleaned_data, template_id=obj.pk if change else None
        )
        obj.pk = saved.pk


@admin.register(LetterTemplateChange)
class LetterTemplateChangeAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "template", "action", "actor_label", "before", "after")
    list_select_related = ("template",)
    readonly_fields = (
        "template",
        "action",
        "actor",
        "actor_label",
        "before",
        "after",
        "created_at",
    )
