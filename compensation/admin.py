"""Staff screens of the compensation app: authority rules, the approval queue, and what it
adds to complaints' own complaint admin — the compensation panel on the complaint page, the
Remedy form with items and its warning when the remedy waits for approval, which buttons a
waiting remedy withholds, and the dashboard panel on compensation granted by kind and tier
(figures from `selectors.compensation_granted`).

Each row of the approval queue says why it waits in one sentence built from the stored
decision (`waiting_reason`), the approval deadline with time left, and what the customer
already received (`received_line`); the list costs a fixed number of queries, whatever its
length.

Those additions are plain functions; `CompensationConfig.ready()` registers them through
`complaints.extensions`. The complaint admin itself is never subclassed or re-registered here.

Thin on purpose: forms parse, one service or selector is called, the result is rendered. Who
may see and press what comes from `compensation.permissions`; no decision logic lives here.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib import admin, messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from compensation import decision, forms, money, permissions, selectors, services
from compensation.models import (
    AuthorityRule,
    AuthorityRuleChange,
    CompensationRequest,
    Kind,
    Nature,
    PendingApproval,
    RequiredTier,
    Status,
)
from complaints.charts import svg_bars
from complaints.models import Category, Complaint, Outcome
from complaints.urgency import urgency
from core import roles
from core.errors import DomainError
from core.logadmin import ReadOnlyAdmin

# Kinds and tiers as the dashboard names them, in the user's language.
KIND_LABELS = {
    Kind.REFUND: _("Refund"),
    Kind.REPLACEMENT: _("Replacement"),
    Kind.STORE_CREDIT: _("Store credit"),
    Kind.VOUCHER: _("Voucher"),
    Kind.GIFT: _("Gift"),
    Kind.SHIPPING_REFUND: _("Shipping refund"),
}
TIER_LABELS = {
    RequiredTier.FRONTLINE: _("Frontline"),
    RequiredTier.TEAM_LEAD: _("Team lead"),
    RequiredTier.MANAGER: _("Manager"),
    RequiredTier.SUPERUSER: _("Superuser"),
}


def granted_panel(request: HttpRequest, *, days: int = 30) -> str:
    """The dashboard block: compensation given in the last `days`, by kind and by tier."""
    granted = selectors.compensation_granted(days=days)
    kind = lambda g: str(KIND_LABELS.get(g.kind, g.kind))  # noqa: E731
    tier = lambda g: str(TIER_LABELS.get(g.tier, g.tier))  # noqa: E731
    return render_to_string(
        "admin/compensation/dashboard_granted.html",
        {
            "granted": granted,
            "rows": [{"kind": kind(g), "tier": tier(g), "g": g} for g in granted["rows"]],
            "by_kind_chart": svg_bars(
                [(f"{kind(g)} · {g.currency}", g.total) for g in granted["by_kind"]],
                title=_("Compensation granted by kind"),
                color="#447e9b",
            ),
            "by_tier_chart": svg_bars(
                [(f"{tier(g)} · {g.currency}", g.total) for g in granted["by_tier"]],
                title=_("Compensation granted by tier"),
                color="#5b8c5a",
            ),
        },
        request=request,
    )


def outcome_panel(request: HttpRequest, *, days: int = 30) -> str:
    """The dashboard block: how complaints closed in the last `days` (upheld, partly, not
    upheld; all and by category) and what was given as redress apart from goodwill."""
    split = selectors.outcome_split(days=days)
    categories = dict(Category.choices)
    outcomes = dict(Outcome.choices)
    natures = dict(Nature.choices)
    whole = split["all"]
    return render_to_string(
        "admin/compensation/dashboard_outcomes.html",
        {
            "days": days,
            "outcomes": [outcomes[o] for o in Outcome.values],
            "all": whole,
            "rows": [
                {"label": categories.get(s.category, s.category), "split": s}
                for s in split["by_category"]
            ],
            "chart": svg_bars(
                [(str(outcomes[o]), n) for o, n, _share in whole.shares],
                title=_("Closed complaints by outcome"),
                color="#7a5c99",
            ),
            "paid": [
                {"label": natures.get(p.nature, p.nature), "p": p}
                for p in selectors.redress_and_goodwill(days=days)
            ],
        },
        request=request,
    )


def granted_figure(request: HttpRequest, *, days: int = 30) -> tuple[list, list]:
    """The dashboard's compensation given in the last `days`, by kind × tier × currency."""
    granted = selectors.compensation_granted(days=days)
    header = [_("Kind"), _("Tier"), _("Currency"), _("Number granted"), _("Total")]
    return header, [
        (
            str(KIND_LABELS.get(g.kind, g.kind)),
            str(TIER_LABELS.get(g.tier, g.tier)),
            g.currency,
            g.count,
            g.total,
        )
        for g in granted["rows"]
    ]


# --- the complaint page (registered through complaints.extensions) ----------------------------


def undecidable_actions(complaint: Complaint, user: Any) -> set[str]:
    """While compensation waits, offer Approve/Return only to who may decide it, and no
    Remedy (the waiting remedy is decided first)."""
    tier = selectors.complaint_pending_tier(complaint_id=complaint.pk)
    if tier is None:
        return set()
    rank = roles.user_rank(user)
    requester_ids = selectors.complaint_pending_requester_ids(complaint_id=complaint.pk)
    hidden = {"remedy"}
    if not all(
        permissions.can_decide(
            actor_rank=rank, actor_id=user.pk, required_tier=tier, requested_by_id=rid
        )
        for rid in requester_ids
    ):
        hidden.add("approve")
    if not permissions.can_reject(actor_rank=rank, required_tier=tier):
        hidden.add("return")
    return hidden


def remedy_notice(*, complaint_id: int, result: Any) -> str | None:
    """After Remedy: say so when part of it waits for approval and the complaint escalated."""
    tier = selectors.complaint_pending_tier(complaint_id=complaint_id)
    if tier is None:
        return None
    return _(
        "Part of this remedy is beyond your authority: it waits for approval "
        "by %(tier)s, and the complaint is escalated."
    ) % {"tier": TIER_LABELS.get(tier, tier.replace("_", " "))}


def complaint_panel(request: HttpRequest, complaint: Complaint) -> str:
    """The complaint page block: every compensation request on the complaint."""
    requests = selectors.complaint_compensation_requests(complaint_id=complaint.pk)
    return render_to_string(
        "admin/compensation/complaint_panel.html",
        {
            "complaint": complaint,
            "requests": requests,
            # Each request says why once, in the reader's language (a waiting one as in the
            # queue); the stored English `reason` is the API's.
            "rows": [(r, decision_reason(r), r.status == Status.PENDING) for r in requests],
            "queue_url": reverse("admin:compensation_pendingapproval_changelist"),
        },
        request=request,
    )


# --- authority rules: visible to staff, editable by managers, every edit logged ----------------


@admin.register(AuthorityRule)
class AuthorityRuleAdmin(admin.ModelAdmin):
    form = forms.AuthorityRuleForm
    list_display = (
        "role",
        "kind",
        "max_per_grant",
        "max_per_complaint",
        "max_per_customer_30d",
        "currency",
        "updated_at",
    )
    list_filter = ("role", "kind")
    ordering = ("role", "kind")

    def has_module_permission(self, request: HttpRequest) -> bool:
        return roles.is_agent(request.user)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return roles.is_agent(request.user)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return permissions.can_edit_rules(roles.user_rank(request.user))

    def has_add_permission(self, request: HttpRequest) -> bool:
        return permissions.can_edit_rules(roles.user_rank(request.user))

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # set the limits to zero instead: history keeps pointing at the rule

    def save_model(self, request: HttpRequest, obj: AuthorityRule, form, change: bool) -> None:
        saved = services.authority_rule_save(
            actor=request.user, data=form.cleaned_data, rule_id=obj.pk if change else None
        )
        obj.pk = saved.pk


@admin.register(AuthorityRuleChange)
class AuthorityRuleChangeAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "rule", "action", "actor_label", "before", "after")
    list_select_related = ("rule",)
    readonly_fields = ("rule", "action", "actor", "actor_label", "before", "after", "created_at")


# --- every request, read-only (history) --------------------------------------------------------


@admin.register(CompensationRequest)
class CompensationRequestAdmin(admin.ModelAdmin):
    list_display = (
        "created_at",
        "complaint",
        "customer",
        "kind",
        "money",
        "status",
        "requested_by",
        "decided_by",
        "required_tier",
    )
    list_filter = ("status", "kind", "required_tier")
    search_fields = ("complaint__reference", "customer__name", "customer__email")
    list_select_related = ("complaint", "customer", "requested_by", "decided_by")
    readonly_fields = [f.name for f in CompensationRequest._meta.fields]

    def has_module_permission(self, request: HttpRequest) -> bool:
        return roles.is_agent(request.user)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return roles.is_agent(request.user)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


# --- the approval queue ------------------------------------------------------------------------

# Which limit stopped a request, as one sentence a manager reads at a glance.
_STOPPED_AT = {
    decision.PER_GRANT: _("Above the %(role)s limit of %(cap)s per grant: needs %(who)s."),
    decision.PER_COMPLAINT: _(
        "Above the %(role)s limit of %(cap)s per complaint, counting what this complaint "
        "already has: needs %(who)s."
    ),
    decision.PER_CUSTOMER: _(
        "Above the %(role)s limit of %(cap)s per customer in 30 days, counting what this "
        "customer already has: needs %(who)s."
    ),
}


def waiting_reason(request: CompensationRequest) -> str:
    """Why `request` waits, in one sentence: the limit that stopped it and who may decide.

    Built from the stored decision (`stopped_by`: the limit and a snapshot of the rule), not
    from the English `reason`, so it reads in the manager's language and says it once."""
    who = roles.who_has_rank(decision.TIER_RANK.get(request.required_tier, 4))
    stopped = request.stopped_by or {}
    rule = stopped.get("rule") or {}
    limit = stopped.get("limit", "")
    if limit in _STOPPED_AT and rule.get(limit) is not None:
        try:
            cap = money.format_money(Decimal(str(rule[limit])), rule.get("currency", ""))
        except (InvalidOperation, ValueError):
            cap = f"{rule[limit]} {rule.get('currency', '')}".strip()
        role = TIER_LABELS.get(rule.get("role", ""), rule.get("role", ""))
        return _STOPPED_AT[limit] % {"role": role, "cap": cap, "who": who}
    if limit == "no_rule":
        return gettext(
            "The requester may not grant %(kind)s in %(currency)s at all: needs %(who)s."
        ) % {
            "kind": str(KIND_LABELS.get(request.kind, request.kind)).lower(),
            "currency": request.currency,
            "who": who,
        }
    return gettext("Beyond the requester's authority: needs %(who)s.") % {"who": who}


def decision_reason(request: CompensationRequest) -> str:
    """Why `request` was decided as it was, in the reader's language: within whose authority it
    was granted (or approved), or — waiting, rejected — the limit that stopped it. Built from
    the stored rule snapshot, never from the English `reason` (kept for the API)."""
    if request.status in (Status.GRANTED, Status.APPROVED):
        role = (request.rule_snapshot or {}).get("role", "")
        if role in ("", decision.SUPERUSER):
            return gettext("Within superuser authority.")
        return gettext("Within the %(role)s authority.") % {
            "role": TIER_LABELS.get(role, role.replace("_", " "))
        }
    return waiting_reason(request)


def received_line(received: list[selectors.Received]) -> str:
    """What the customer already received, one compact line ("30 days: 20.00 EUR (1) · all:
    45.00 EUR (2)"), or "nothing yet"."""
    if not received:
        return gettext("nothing yet")
    return " · ".join(
        gettext("30 days: %(window)s (%(wn)d) · all: %(all)s (%(n)d)")
        % {"window": r.window_money, "wn": r.window_count, "all": r.all_money, "n": r.count}
        for r in received
    )


@admin.register(PendingApproval)
class ApprovalQueueAdmin(admin.ModelAdmin):
    """Pending compensation the viewer may decide, oldest first, with approve/reject buttons."""

    queue_limit = 100

    def has_module_permission(self, request: HttpRequest) -> bool:
        return roles.is_agent(request.user)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return roles.is_agent(request.user)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path(
                "<int:request_id>/<str:verdict>/",
                wrap(self.decide_view),
                name="compensation_pendingapproval_decide",
            ),
            *super().get_urls(),
        ]

    def changelist_view(self, request: HttpRequest, extra_context=None) -> HttpResponse:
        if not self.has_view_permission(request):
            return HttpResponseRedirect(reverse("admin:index"))
        user = request.user
        rank = roles.user_rank(user)
        pending = list(selectors.compensation_queue(user=user)[: self.queue_limit])
        received = selectors.customer_received(customer_ids={r.customer_id for r in pending})
        deadlines = selectors.approval_deadlines(complaint_ids={r.complaint_id for r in pending})
        now = timezone.now()

        def due(r: CompensationRequest) -> dict[str, Any] | None:
            deadline = deadlines.get(r.complaint_id)
            if deadline is None:
                return None
            paused = deadline.paused_at is not None
            return {"at": deadline.due_at, "urgency": urgency(deadline.due_at, now, paused=paused)}

        rows = [
            {
                "request": r,
                "reason": waiting_reason(r),
                "due": due(r),
                "received": received_line(received.get(r.customer_id, [])),
                "can_decide": permissions.can_decide(
                    actor_rank=rank,
                    actor_id=user.pk,
                    required_tier=r.required_tier,
                    requested_by_id=r.requested_by_id,
                ),
                "approve_url": reverse(
                    "admin:compensation_pendingapproval_decide", args=[r.pk, "approve"]
                ),
                "reject_url": reverse(
                    "admin:compensation_pendingapproval_decide", args=[r.pk, "reject"]
                ),
                "complaint_url": reverse(
                    "admin:complaints_complaint_change", args=[r.complaint_id]
                ),
            }
            for r in pending
        ]
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Approval queue"),
            "rows": rows,
            "is_decider": bool(permissions.decidable_tiers(rank)),
            "outcomes": Outcome.choices,
            "form": forms.DecisionForm(),
            **(extra_context or {}),
        }
        return TemplateResponse(request, "admin/compensation/approval_queue.html", context)

    def decide_view(self, request: HttpRequest, request_id: int, verdict: str) -> HttpResponse:
        queue_url = reverse("admin:compensation_pendingapproval_changelist")
        get_object_or_404(CompensationRequest, pk=request_id)
        if request.method != "POST" or verdict not in ("approve", "reject"):
            return HttpResponseRedirect(queue_url)
        form = forms.DecisionForm(request.POST)
        data = form.cleaned_data if form.is_valid() else {}
        note = data.get("note", "")
        try:
            if verdict == "approve":
                complaint = services.compensation_approve(
                    request_id=request_id,
                    actor=request.user,
                    note=note,
                    outcome=data.get("outcome", ""),
                    outcome_reason=data.get("outcome_reason", ""),
                )
            else:
                complaint = services.compensation_reject(
                    request_id=request_id, actor=request.user, note=note
                )
        except DomainError as error:
            detail = "; ".join(e for errs in error.fields.values() for e in errs)
            messages.error(request, f"{error.message} {detail}".strip())
        else:
            done = _("Approved") if verdict == "approve" else _("Rejected")
            messages.success(
                request,
                _("%(done)s: %(ref)s is now %(state)s.")
                % {
                    "done": done,
                    "ref": complaint.reference,
                    "state": complaint.get_state_display(),
                },
            )
        return HttpResponseRedirect(queue_url)
