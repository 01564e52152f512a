"""The complaint workbench: `ComplaintAdmin`, registered here, once.

The admin only parses forms and calls services: the state field is read-only, and every workflow
button posts to `transition_view`, which runs that button's entry of `workflow_actions()` (one
service, or the handler in `complaints.extensions` that the API calls too). A button the page
does not offer the user is refused by its URL too (403, with the sentence from `core.roles` or
the state's reason). Every change has its own small form: Django's generic change form is not
shown and its URL refuses POST; triage data goes through `triage_view`. Also here: staff
intake, timeline messages, canned texts and the tone-hint endpoint (which runs
`complaints.tone.tone_check` over the rules files, the only copy of the rules), and the insight
dashboard (figures from `selectors.insight_*`, charts from `complaints.charts`). The changelist
half lives in `complaints.admin.queue`. Higher apps never subclass or re-register
`ComplaintAdmin`: they extend it through `complaints.extensions` (changes to the `ACTIONS`
table, buttons to withhold, complaint-page and dashboard panels). Nothing here decides a rule;
imports only complaints, `core` and Django, never escalation or compensation.
"""

from __future__ import annotations

from typing import Any

from django import forms as django_forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseForbidden,
    HttpResponseNotAllowed,
    HttpResponseRedirect,
    JsonResponse,
)
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from django_fsm import can_proceed

from complaints import extensions, forms, selectors, services, tone
from complaints.admin.actions import CANNED_FOR, Action, timeline_for_display, workflow_actions
from complaints.admin.queue import ComplaintQueueAdmin
from complaints.charts import svg_bars
from complaints.downloads import attachment_response
from complaints.middleware import profile_remember
from complaints.models import Attachment, Complaint
from complaints.services import engine
from complaints.urgency import urgency
from core import roles
from core.csvexport import csv_response
from core.errors import DomainError


def _figure_open_by_state(request: HttpRequest) -> tuple[list, list]:
    return [_("State"), _("Open complaints")], [
        (label, n) for _state, label, n in selectors.insight_open_by_state()
    ]


def _figure_median_times(request: HttpRequest) -> tuple[list, list]:
    summary = selectors.insight_summary(days=30)
    return [_("Measure"), _("Median hours, last 30 days")], [
        (_("Filed to first acknowledgement"), summary["median_hours_to_acknowledge"]),
        (_("Filed to remedy"), summary["median_hours_to_remedy"]),
    ]


def _figure_top_categories(request: HttpRequest) -> tuple[list, list]:
    return [_("Category"), _("Complaints, last 30 days")], [
        (label, n) for _c, label, n in selectors.insight_top_categories(days=30)
    ]


def _figure_top_root_causes(request: HttpRequest) -> tuple[list, list]:
    return [_("Root cause"), _("Complaints, last 30 days")], selectors.insight_top_root_causes(
        days=30
    )


def _figure_repeat_complainants(request: HttpRequest) -> tuple[list, list]:
    return [_("Customer"), _("Customer email"), _("Complaints, last 30 days")], [
        (c.name, c.email, n) for c, n in selectors.insight_repeat_complainants(days=30)
    ]


# The dashboard's own figures as CSV downloads; higher apps add theirs through
# `extensions.dashboard_figure`.
OWN_FIGURES = {
    "open-by-state": (_("Open complaints by state"), _figure_open_by_state),
    "median-times": (_("Median times, last 30 days"), _figure_median_times),
    "top-categories": (_("Top categories, last 30 days"), _figure_top_categories),
    "top-root-causes": (_("Top root causes, last 30 days"), _figure_top_root_causes),
    "repeat-complainants": (_("Repeat complainants, last 30 days"), _figure_repeat_complainants),
}


def dashboard_figures() -> dict[str, tuple[Any, Any]]:
    return {**OWN_FIGURES, **extensions.dashboard_figures()}


@admin.register(Complaint)
class ComplaintAdmin(ComplaintQueueAdmin):
    change_form_template = "admin/complaints/complaint/change_form.html"
    fields = (
        "reference",
        "state",
        "customer",
        "channel",
        "category",
        "severity",
        "subject",
        "description",
        "summary",
        "summary_confirmed",
        "fault",
        "root_cause",
        "assignee",
        "tier",
        "escalation_level",
        "reopen_count",
        "promised_by",
        "next_due_at",
        "paused_at",
        "pause_reason",
        "created_at",
        "updated_at",
    )
    # Triage data (category, severity, subject, what the customer asks for) is edited in its own small form, `triage_view`;
    # Django's generic change form edits nothing and is not shown.
    triage_fields = (
        "category",
        "severity",
        "subject",
        "customer_request",
        "customer_request_detail",
    )

    @property
    def actions_by_name(self) -> dict[str, Action]:
        return workflow_actions()

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        return self.fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return roles.can_file(request.user) and roles.is_agent(request.user)

    class Media:
        css = {"all": ["complaints/redress.css"]}

    def save_model(self, request, obj, form, change) -> None:
        # Never reached (the change page refuses POST); kept so nothing saves a complaint directly.
        raise PermissionDenied

    def get_urls(self):
        opts = self.model._meta
        info = opts.app_label, opts.model_name
        wrap = self.admin_site.admin_view
        return [
            path("tone/", wrap(self.tone_view), name="{}_{}_tone".format(*info)),
            path("language/", wrap(self.language_view), name="{}_{}_language".format(*info)),
            path("dashboard/", wrap(self.dashboard_view), name="{}_{}_dashboard".format(*info)),
            path(
                "dashboard/<slug:figure>.csv",
                wrap(self.dashboard_csv_view),
                name="{}_{}_dashboard_csv".format(*info),
            ),
            path(
                "<int:object_id>/do/<str:name>/",
                wrap(self.transition_view),
                name="{}_{}_transition".format(*info),
            ),
            path(
                "<int:object_id>/triage/",
                wrap(self.triage_view),
                name="{}_{}_triage".format(*info),
            ),
            path(
                "<int:object_id>/message/",
                wrap(self.message_view),
                name="{}_{}_message".format(*info),
            ),
            path(
                "attachment/<int:attachment_id>/",
                wrap(self.attachment_view),
                name="{}_{}_attachment".format(*info),
            ),
            path(
                "attachment/<int:attachment_id>/thumbnail/",
                wrap(self.attachment_view),
                {"thumbnail": True},
                name="{}_{}_attachment_thumbnail".format(*info),
            ),
            *super().get_urls(),
        ]

    # --- what the complaint page shows ---------------------------------------------------------

    def available_actions(self, complaint: Complaint, user: Any) -> list[str]:
        names = selectors.complaint_available_actions(complaint=complaint, user=user)
        if roles.is_agent(user) and complaint.is_open and complaint.assignee_id != user.pk:
            names.append("take")
        hidden = extensions.admin_actions_hidden(complaint=complaint, user=user)
        return [n for n in names if n in self.actions_by_name and n not in hidden]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if request.method == "POST":
            # Every change has its own small form and URL; the generic form saves nothing.
            return HttpResponseNotAllowed(["GET"])
        complaint = get_object_or_404(selectors.complaint_list(), pk=object_id)
        now = timezone.now()
        url = lambda name: reverse(  # noqa: E731
            "admin:complaints_complaint_transition", args=[complaint.pk, name]
        )
        actions = self.actions_by_name
        context = {
            "workflow_actions": [
                {
                    "name": n,
                    "label": actions[n].label,
                    "url": url(n),
                    "style": actions[n].style,
                }
                for n in self.available_actions(complaint, request.user)
            ],
            "timeline": timeline_for_display(
                selectors.complaint_timeline(complaint=complaint, include_internal=True)
            ),
            "message_form": forms.MessageForm(),
            "message_url": reverse("admin:complaints_complaint_message", args=[complaint.pk]),
            "extra_panels": [panel(request, complaint) for panel in extensions.complaint_panels()],
            "complaint": complaint,
            "customer_complaints": list(selectors.customer_other_complaints(complaint=complaint)),
            # What the queue shows: the nearest running deadline. A closed complaint counts
            # nothing down (its promise is history, not a countdown).
            "next_due": complaint.is_open
            and urgency(complaint.next_due_at, now, paused=complaint.paused_at is not None),
            "triage_form": forms.TriageForm(
                initial={f: getattr(complaint, f) for f in self.triage_fields}
            ),
            "triage_url": reverse("admin:complaints_complaint_triage", args=[complaint.pk]),
            **self.words_context(complaint=complaint, user=request.user),
            **(extra_context or {}),
        }
        return super().change_view(request, object_id, form_url, context)

    # --- words that help: canned texts and the tone hint ---------------------------------------

    def words_context(self, *, complaint: Complaint, user: Any, prefer: str = "") -> dict[str, Any]:
        """What the reply boxes need: the canned texts and the tone hint's language, both in the
        language the reply will be mailed in (the customer's; unset: the user's own). The texts'
        placeholders are filled for this complaint and agent (`selectors.canned_values`)."""
        language = selectors.canned_language(
            complaint.customer.language or translation.get_language() or ""
        )
        values = selectors.canned_values(complaint=complaint, user=user)
        return {
            "canned_texts": selectors.canned_texts(language=language, values=values),
            "canned_gap": selectors.CANNED_GAP,
            "canned_prefer": prefer,
            "tone_url": reverse("admin:complaints_complaint_tone"),
            "tone_language": language,
        }

    def tone_view(self, request: HttpRequest) -> HttpResponse:
        """Tone hints for a draft reply, from the same `complaints.tone.tone_check` as the tests.

        `language` (optional) is a hint: the reply's language is detected from the text and
        the hint decides only what the text cannot (see `complaints.tone.language`); without
        it, the user's own language is the hint. An unknown code is ignored."""
        if not roles.is_agent(request.user):
            return HttpResponseForbidden()
        params = request.POST if request.method == "POST" else request.GET
        text = params.get("text", "") or request.GET.get("text", "")
        language = params.get("language", "") or translation.get_language()
        return JsonResponse(tone.tone_check(text, language=language).as_dict())

    def language_view(self, request: HttpRequest) -> HttpResponse:
        """The staff user's profile: the language of their screens and their time zone."""
        language, time_zone = selectors.staff_profile_of(user=request.user)
        form = forms.StaffLanguageForm(
            request.POST or None, initial={"language": language, "time_zone": time_zone}
        )
        if request.method == "POST" and form.is_valid():
            language = form.cleaned_data["language"]
            time_zone = form.cleaned_data["time_zone"] or time_zone
            services.staff_profile_set(user=request.user, language=language, time_zone=time_zone)
            profile_remember(request=request, language=language, time_zone=time_zone)
            messages.success(
                request, _("Your screens now use the language and time zone you picked.")
            )
            return HttpResponseRedirect(reverse("admin:index"))
        context = {
            **self.admin_site.each_context(request),
            "title": _("Your profile: language and time zone"),
            "form": form,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/complaints/language.html", context)

    # --- the insight dashboard --------------------------------------------------------------

    def dashboard_view(self, request: HttpRequest) -> HttpResponse:
        """Where complaints come from (DESIGN §1: complaints are gifts). Figures come from
        tested selectors; charts are SVG drawn here, on the server."""
        if not roles.is_agent(request.user):
            return HttpResponseForbidden()
        insight = selectors.insight_summary(days=30)
        charts = {
            "open_by_state": svg_bars(
                [(label, n) for _state, label, n in insight["open_by_state"]],
                title=_("Open complaints by state"),
            ),
            "top_categories": svg_bars(
                [(label, n) for _cat, label, n in insight["top_categories"]],
                title=_("Top categories"),
                color="#79aec8",
            ),
            "top_root_causes": svg_bars(
                insight["top_root_causes"], title=_("Top root causes"), color="#c77f2a"
            ),
            "repeat_complainants": svg_bars(
                [(c.name, n) for c, n in insight["repeat_complainants"]],
                title=_("Repeat complainants"),
                color="#ba2121",
            ),
        }
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Complaint insight"),
            "insight": insight,
            "charts": charts,
            # escalation: breaches and warnings; compensation: compensation granted
            "panels": [panel(request) for panel in extensions.dashboard_panels()],
            "figures": [(name, title) for name, (title, _fn) in dashboard_figures().items()],
        }
        return TemplateResponse(request, "admin/complaints/complaint/dashboard.html", context)

    def dashboard_csv_view(self, request: HttpRequest, figure: str) -> HttpResponse:
        """One dashboard figure as a CSV table, in the user's language."""
        if not roles.is_agent(request.user):
            return HttpResponseForbidden()
        entry = dashboard_figures().get(figure)
        if entry is None:
            raise Http404
        header, rows = entry[1](request)
        stamp = timezone.localtime().strftime("%Y%m%d")
        return csv_response(filename=f"{figure}-{stamp}.csv", header=header, rows=list(rows))

    # --- workflow buttons ----------------------------------------------------------------------

    def transition_view(self, request: HttpRequest, object_id: int, name: str) -> HttpResponse:
        complaint = get_object_or_404(selectors.complaint_list(), pk=object_id)
        action = self.actions_by_name.get(name)
        change_url = reverse("admin:complaints_complaint_change", args=[complaint.pk])
        if action is None:
            messages.error(request, _("Unknown action %(name)r.") % {"name": name})
            return HttpResponseRedirect(change_url)
        # The button is not on the page, so its URL is refused too, GET and POST alike — unless
        # the post comes from a page older than the complaint: then the service's conflict
        # sentence ("changed by someone else") is the one that helps.
        posted_version = request.POST.get("expected_version", "")
        stale = (
            request.method == "POST"
            and posted_version.isdigit()
            and int(posted_version) != complaint.version
        )
        refusal = None if stale else self.action_refusal(name, complaint, request.user)
        if refusal:
            return self.refused(request, complaint=complaint, action=action, reason=refusal)
        form_class = self.workflow_form(name, request, complaint)
        form = form_class(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                version = int(request.POST.get("expected_version", ""))
            except ValueError:
                version = None
            try:
                result = action.run(
                    complaint_id=complaint.pk,
                    actor=request.user,
                    data=form.cleaned_data,
                    expected_version=version,
                )
            except DomainError as error:
                for field, errs in error.fields.items():
                    target = field if field in form.fields else None
                    for err in errs:
                        form.add_error(target, err)
                messages.error(request, error.message)
            else:
                messages.success(
                    request,
                    _("%(action)s: done for %(ref)s.")
                    % {"action": action.label, "ref": complaint.reference},
                )
                notice = action.notice and action.notice(complaint_id=complaint.pk, result=result)
                if notice:
                    messages.warning(request, notice)
                return HttpResponseRedirect(change_url)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": f"{action.label} — {complaint.reference}",
            "complaint": complaint,
            "action": action,
            "form": form,
            "change_url": change_url,
            "initial_version": complaint.version,
            **self.words_context(
                complaint=complaint, user=request.user, prefer=CANNED_FOR.get(name, "")
            ),
        }
        return TemplateResponse(request, "admin/complaints/complaint/transition.html", context)

    def action_refusal(self, name: str, complaint: Complaint, user: Any) -> str | None:
        """Why button `name` is not offered to `user` now (None when it is): the role's
        refusal from `core.roles`, else why the state does not allow it, else that another
        step must come first (e.g. a compensation decision holds it)."""
        if name in self.available_actions(complaint, user):
            return None
        refusal = roles.transition_refusal(name, complaint, user)
        if refusal:
            return refusal
        if name in engine.TRANSITION_METHODS:
            method = getattr(complaint, engine.TRANSITION_METHODS[name])
            if not can_proceed(method, check_conditions=False):
                return engine.wrong_state_message(complaint, name)
        return _(
            "“%(action)s” is not offered on %(ref)s now: another step comes first. "
            "Go back to the complaint to see what you can do."
        ) % {"action": self.actions_by_name[name].label, "ref": complaint.reference}

    def refused(
        self, request: HttpRequest, *, complaint: Complaint, action: Action, reason: str
    ) -> HttpResponse:
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": f"{action.label} — {complaint.reference}",
            "complaint": complaint,
            "action": action,
            "reason": reason,
            "change_url": reverse("admin:complaints_complaint_change", args=[complaint.pk]),
        }
        return TemplateResponse(
            request, "admin/complaints/complaint/refused.html", context, status=403
        )

    def workflow_form(
        self, name: str, request: HttpRequest, complaint: Complaint
    ) -> type[django_forms.Form]:
        """The form class for workflow transition `name` (as `extensions.admin_action` set it);
        merging offers the customer's other open complaints."""
        form = self.actions_by_name[name].form
        if name == "merge" and form is forms.MergeForm:
            return forms.merge_form_for(complaint)
        return form

    def triage_view(self, request: HttpRequest, object_id: int) -> HttpResponse:
        """Correct category, severity and subject: only what changed goes to the audited
        service; a refused value re-shows the small form with its reason."""
        complaint = get_object_or_404(selectors.complaint_list(), pk=object_id)
        change_url = reverse("admin:complaints_complaint_change", args=[complaint.pk])
        refusal = roles.staff_refusal(request.user)
        action = Action(_("Save triage"), forms.TriageForm, lambda **kw: None)
        if refusal:
            return self.refused(request, complaint=complaint, action=action, reason=refusal)
        current = {f: getattr(complaint, f) for f in self.triage_fields}
        form = forms.TriageForm(request.POST or None, initial=current)
        if request.method == "POST" and form.is_valid():
            try:
                version = int(request.POST.get("expected_version", ""))
            except ValueError:
                version = None
            try:
                services.complaint_update_details(
                    complaint_id=complaint.pk,
                    actor=request.user,
                    expected_version=version,
                    **{f: form.cleaned_data[f] for f in form.changed_data},
                )
            except DomainError as error:
                for field, errs in error.fields.items():
                    for err in errs:
                        form.add_error(field if field in form.fields else None, err)
                messages.error(request, error.message)
            else:
                messages.success(
                    request, _("Triage saved for %(ref)s.") % {"ref": complaint.reference}
                )
                return HttpResponseRedirect(change_url)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": f"{action.label} — {complaint.reference}",
            "complaint": complaint,
            "action": action,
            "form": form,
            "change_url": change_url,
            "initial_version": complaint.version,
        }
        return TemplateResponse(request, "admin/complaints/complaint/transition.html", context)

    def message_view(self, request: HttpRequest, object_id: int) -> HttpResponse:
        change_url = reverse("admin:complaints_complaint_change", args=[object_id])
        form = forms.MessageForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            try:
                services.message_add(
                    complaint_id=object_id,
                    actor=request.user,
                    body=form.cleaned_data["body"],
                    visibility=form.cleaned_data["visibility"],
                    files=[services.upload_from_file(f) for f in form.cleaned_data["files"]],
                )
            except DomainError as error:
                messages.error(request, error.message)
            else:
                messages.success(request, _("Added to the timeline."))
        elif request.method == "POST":
            # The field's own sentence when it has one (e.g. a bidi control), else the general one.
            reasons = form.errors.get("body") or [_("The message was empty or too long.")]
            messages.error(request, " ".join(str(r) for r in reasons))
        return HttpResponseRedirect(change_url)

    def attachment_view(
        self, request: HttpRequest, attachment_id: int, thumbnail: bool = False
    ) -> HttpResponse:
        """A file of a message, to staff who may see its complaint (anyone else: 404)."""
        try:
            attachment = selectors.attachment_for(
                attachment_id=attachment_id, user=request.user, staff=True
            )
        except Attachment.DoesNotExist:
            raise Http404 from None
        return attachment_response(attachment, thumbnail=thumbnail)

    # --- staff intake (a phone call, a walk-in) ------------------------------------------------

    def add_view(self, request, form_url="", extra_context=None):
        if not self.has_add_permission(request):
            return HttpResponseRedirect(reverse("admin:complaints_complaint_changelist"))
        form = forms.IntakeForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                complaint, _created = services.complaint_intake(
                    actor=request.user, **form.cleaned_data
                )
            except DomainError as error:
                messages.error(request, error.message)
            else:
                messages.success(request, _("Filed %(ref)s.") % {"ref": complaint.reference})
                return HttpResponseRedirect(
                    reverse("admin:complaints_complaint_change", args=[complaint.pk])
                )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("File a complaint"),
            "form": form,
            "action": Action(_("File complaint"), forms.IntakeForm, lambda **kw: None, "primary"),
            "change_url": reverse("admin:complaints_complaint_changelist"),
        }
        return TemplateResponse(request, "admin/complaints/complaint/transition.html", context)
