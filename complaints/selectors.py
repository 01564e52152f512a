"""Read side of the complaints app: querysets with their joins, timelines, available actions.

Selectors own select_related/prefetch_related so that no list issues a query per row. What the
API reads for a caller is narrowed by `complaints.visibility` (an integration sees only its own
complaints; others' are "no such complaint"). `complaint_public_timeline` is the customer-safe
timeline: public messages and plain state changes, authors as display names, never usernames,
reasons or internal notes.
"""

from __future__ import annotations

import re
import statistics
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db.models import (
    Case,
    Count,
    F,
    IntegerField,
    Min,
    Prefetch,
    Q,
    QuerySet,
    Value,
    When,
)
from django.utils import timezone
from django.utils.text import smart_split, unescape_string_literal
from django.utils.translation import gettext
from django_fsm import get_available_user_FIELD_transitions

from complaints.models import (
    OPEN_STATES,
    Attachment,
    AttachmentKind,
    CannedText,
    Category,
    Complaint,
    Customer,
    Message,
    MessageKind,
    StaffProfile,
    TransitionLog,
    Visibility,
)
from complaints.services import TRANSITION_METHODS
from complaints.tone.language import normalize_language
from complaints.visibility import complaint_visible, complaints_visible
from core import roles

_PUBLIC_NAME = {method: name for name, method in TRANSITION_METHODS.items()}


def complaint_list(*, user: Any = None) -> QuerySet[Complaint]:
    """Complaints with the customer and assignee joined (one query for a whole page)."""
    return Complaint.objects.select_related("customer", "assignee")


# The frontline queue (DESIGN §6): mine first, then my team's, then the rest; within each, the
# nearest running deadline first (`next_due_at`, kept by the escalation app from the deadline
# rows: overdue ones are in the past, so they lead; none running, e.g. paused, last), then the
# oldest.
QUEUE_MINE = "mine"  # my open complaints and my team's (the default view)
QUEUE_OPEN = "open"  # every open complaint
QUEUE_ALL = "all"
QUEUE_ORDERING = (
    F("queue_rank").asc(),
    F("next_due_at").asc(nulls_last=True),
    F("created_at").asc(),
    F("pk").asc(),
)


def complaint_queue(*, user: Any) -> QuerySet[Complaint]:
    """Every complaint, annotated with `queue_rank` for `user` (0 mine, 1 my team's, 2 other)
    and in queue order. One query for a whole page: customer and assignee are joined and the
    rank is computed in SQL. Narrow it with `complaint_queue_scope`."""
    tiers = roles.user_tiers(user)
    return (
        complaint_list(user=user)
        .annotate(
            queue_rank=Case(
                When(assignee_id=getattr(user, "pk", None), then=Value(0)),
                When(tier__in=tiers, then=Value(1)),
                default=Value(2),
                output_field=IntegerField(),
            )
        )
        .order_by(*QUEUE_ORDERING)
    )


# What the queue's search looks through (the admin shows them as its search fields too).
QUEUE_SEARCH_FIELDS = ("reference", "subject", "description", "summary")
CUSTOMER_SEARCH_FIELDS = ("name", "email")


def complaint_text_match(
    *,
    text: str,
    fields: tuple[str, ...] = QUEUE_SEARCH_FIELDS,
    customer_fields: tuple[str, ...] = CUSTOMER_SEARCH_FIELDS,
    exact: tuple[str, ...] = (),
) -> Q:
    """Complaints with `text` (case-insensitive) in one of their `fields`, equal to one of
    `exact`, or with it in their customer's `customer_fields`.

    Written as `id IN (<complaints matching> UNION <complaints of customers matching>)`: each
    branch is an OR of `UPPER(col) LIKE` over one table, which PostgreSQL answers from the
    trigram indexes on exactly those expressions (migration `0021_ops_search_trgm`, a BitmapOr),
    where one OR across the customer join would scan the whole table. SQLite gets the same
    answer from a scan, as before.
    """
    own = Q()
    for name in fields:
        own |= Q(**{f"{name}__icontains": text})
    for name in exact:
        own |= Q(**{name: text})
    people = Q()
    for name in customer_fields:
        people |= Q(**{f"{name}__icontains": text})
    matching = Complaint.objects.filter(own).values("pk").order_by()
    of_customers = (
        Complaint.objects.filter(
            customer_id__in=Customer.objects.filter(people).values("pk").order_by()
        )
        .values("pk")
        .order_by()
    )
    return Q(pk__in=matching.union(of_customers))


def complaint_queue_search(queryset: QuerySet[Complaint], *, terms: str) -> QuerySet[Complaint]:
    """The queue's search, as Django's admin reads a search box: every word (or "quoted
    phrase") must be found in some searched field (`complaint_text_match`)."""
    for bit in smart_split(terms):
        if bit[:1] in ('"', "'") and bit[-1:] == bit[:1]:
            bit = unescape_string_literal(bit)
        if bit.strip():
            queryset = queryset.filter(complaint_text_match(text=bit))
    return queryset


# The queue's CSV export: its columns, as lookups, and the rows fetched per round trip.
QUEUE_EXPORT_FIELDS = (
    "reference",
    "state",
    "category",
    "severity",
    "subject",
    "customer__name",
    "customer__email",
    "assignee__username",
    "tier",
    "escalation_level",
    "next_due_at",
    "created_at",
)
EXPORT_CHUNK_SIZE = 2000


def complaint_queue_export(
    queryset: QuerySet[Complaint], *, chunk_size: int | None = None
) -> Iterator[tuple]:
    """The rows of `queryset` (the queue as filtered, searched and ordered) as tuples of
    `QUEUE_EXPORT_FIELDS`, choices as their labels. Fetched `chunk_size` rows at a time (a
    server-side cursor on PostgreSQL), plain tuples rather than models: memory stays flat
    whatever the number of rows. One query."""
    labels = {
        i: dict(Complaint._meta.get_field(name).flatchoices)
        for i, name in enumerate(QUEUE_EXPORT_FIELDS)
        if name in ("state", "category", "severity", "tier")
    }
    rows = queryset.values_list(*QUEUE_EXPORT_FIELDS).iterator(
        chunk_size=chunk_size or EXPORT_CHUNK_SIZE
    )
    for row in rows:
        yield tuple(str(labels[i].get(v, v)) if i in labels else v for i, v in enumerate(row))


def complaint_queue_scope(
    queryset: QuerySet[Complaint], *, user: Any, scope: str, open_only: bool = True
) -> QuerySet[Complaint]:
    """`QUEUE_MINE`: mine and my team's; `QUEUE_OPEN`: all open; `QUEUE_ALL`: no narrowing.
    `open_only=False` keeps closed ones in `QUEUE_MINE` (when the user filters by state)."""
    if scope == QUEUE_ALL:
        return queryset
    if scope == QUEUE_OPEN or open_only:
        queryset = queryset.filter(state__in=OPEN_STATES)
    if scope == QUEUE_MINE:
        queryset = queryset.filter(
            Q(assignee_id=getattr(user, "pk", None)) | Q(tier__in=roles.user_tiers(user))
        )
    return queryset


def staff_agents() -> QuerySet:
    """Active users who can be assigned complaints: members of a tier group, or superusers."""
    from django.contrib.auth import get_user_model

    return (
        get_user_model()
        .objects.filter(is_active=True)
        .filter(Q(groups__name__in=roles.TIERS) | Q(is_superuser=True))
        .distinct()
        .order_by("username")
    )


def customer_other_complaints(*, complaint: Complaint, limit: int = 20) -> QuerySet[Complaint]:
    """The same customer's other complaints, newest first, for the workbench."""
    return (
        Complaint.objects.filter(customer_id=complaint.customer_id)
        .exclude(pk=complaint.pk)
        .select_related("assignee")
        .order_by("-created_at")[:limit]
    )


# The placeholders a canned text may hold; an unknown `{...}` stays as written.
CANNED_PLACEHOLDERS = ("customer_name", "reference", "promised_by", "agent_name")
CANNED_GAP = "…"  # what a text leaves for the agent to write; the picker puts the cursor there
_PLACEHOLDER = re.compile(r"\{(" + "|".join(CANNED_PLACEHOLDERS) + r")\}")


def canned_fill(body: str, *, values: Mapping[str, str]) -> str:
    """`body` with its placeholders filled from `values`; one without a value becomes a gap."""
    return _PLACEHOLDER.sub(lambda m: values.get(m.group(1)) or CANNED_GAP, body)


def canned_values(*, complaint: Complaint, user: Any) -> dict[str, str]:
    """What the placeholders of a reply on `complaint` by `user` read: the promise in the
    agent's time zone (the active one), with its name."""
    promised = ""
    if complaint.promised_by is not None:
        local = timezone.localtime(complaint.promised_by)
        promised = f"{local:%Y-%m-%d %H:%M} ({timezone.get_current_timezone_name()})"
    agent = ""
    if user is not None and getattr(user, "is_authenticated", False):
        agent = user.get_full_name() or user.get_username()
    return {
        "customer_name": complaint.customer.name,
        "reference": complaint.reference,
        "promised_by": promised,
        "agent_name": agent,
    }


def canned_texts(
    *, language: str = "", values: Mapping[str, str] | None = None
) -> list[dict[str, str]]:
    """Active canned texts for the reply picker: those in `language` (a Django language code,
    "zh-hans"; a regional one such as "zh-tw" or "en-gb" counts as its reply language) first,
    then the others; within each, by kind in display order. With `values`, the placeholders
    are filled (`canned_fill`). One query."""
    language = canned_language(language)
    texts = list(CannedText.objects.filter(active=True))
    # Stable: within a language the kind/position order stays; the other languages follow,
    # each together.
    texts.sort(key=lambda t: (t.language != language, t.language))
    return [
        {
            "kind": t.kind,
            "kind_label": str(t.get_kind_display()),
            "title": t.title,
            "body": canned_fill(t.body, values=values) if values is not None else t.body,
            "language": t.language,
            "language_label": str(t.get_language_display()),
        }
        for t in texts
    ]


def canned_language(code: str) -> str:
    """The reply language of a Django language code ("zh-tw" -> "zh-hant"), or "" if none."""
    return normalize_language(code) or ""


def complaint_get(*, complaint_id: int, user: Any = None) -> Complaint:
    """The complaint with customer and assignee joined; with `user`, only if they may see it
    (else Complaint.DoesNotExist, as if there were none)."""
    qs = complaint_list()
    if user is not None:
        qs = complaints_visible(qs, user=user)
    return qs.get(pk=complaint_id)


def complaint_available_transitions(*, complaint: Complaint, user: Any) -> list[str]:
    """Public names of the transitions `user` may fire now, in workflow order.

    Conditions that need input (limits while venting need a manager's abuse flag) are decided
    by the service; here a manager sees `set_limits` on a venting complaint.
    """
    if not roles.is_agent(user) and not roles.is_integration(user):
        return []
    field = Complaint._meta.get_field("state")
    names = set()
    for t in get_available_user_FIELD_transitions(complaint, user, field):
        names.add(_PUBLIC_NAME.get(t.name, t.name))
    if (
        complaint.state == "venting"
        and roles.can_set_limits(complaint, user)
        and not complaint.abuse_flagged
    ):
        names.add("set_limits")
    return [name for name in TRANSITION_METHODS if name in names]


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    kind: str  # "message" or "step"
    visibility: str
    author: str
    title: str
    body: str
    source: str = ""  # customer, staff or system for messages; "step" for workflow steps
    step: str = ""  # for steps: the TransitionLog's transition name, and its states
    from_state: str = ""
    to_state: str = ""
    attachments: tuple[Attachment, ...] = ()  # a message's files (the original mail too)
    # A system note (`complaints.notes`): `body` is it in the reader's language, `text` the
    # stored English text, `note_code`/`note_params` what it is made of. For what a person
    # wrote, `text` is `body` and the code is blank.
    text: str = ""
    note_code: str = ""
    note_params: dict = field(default_factory=dict)


def complaint_timeline(*, complaint: Complaint, include_internal: bool) -> list[TimelineEntry]:
    """Messages and workflow steps merged in time order; internal ones only for staff."""
    messages = Message.objects.filter(complaint=complaint).prefetch_related("attachments")
    if not include_internal:
        messages = messages.filter(visibility=Visibility.PUBLIC)
    entries = [
        TimelineEntry(
            at=m.created_at,
            kind="message",
            visibility=m.visibility,
            author=m.author_label,
            title=m.get_kind_display(),
            body=m.text,
            source=m.kind,
            attachments=tuple(m.attachments.all()),
            text=m.body,
            note_code=m.note_code,
            note_params=m.note_params,
        )
        for m in messages
    ]
    if include_internal:
        entries += [
            TimelineEntry(
                at=log.created_at,
                kind="step",
                visibility=Visibility.INTERNAL,
                author=log.actor_label,
                title=_step_title(log),
                body=log.reason_text,
                source="step",
                step=log.transition,
                from_state=log.from_state,
                to_state=log.to_state,
                text=log.reason,
                note_code=log.reason_code,
                note_params=log.reason_params,
            )
            for log in TransitionLog.objects.filter(complaint=complaint)
        ]
    return sorted(entries, key=lambda e: (e.at, e.kind != "step"))


def _step_title(log: TransitionLog) -> str:
    if log.from_state == log.to_state:
        return log.transition.replace("_", " ")
    return f"{log.transition.replace('_', ' ')}: {log.from_state} → {log.to_state}"


@dataclass(frozen=True)
class PublicEntry:
    """One entry of the customer-safe timeline: a public message, or a plain state change."""

    at: datetime
    kind: str  # "message" or "step"
    source: str  # "customer" or "staff"
    author: str  # the customer's name, or a staff display name
    body: str  # empty for a state change
    from_state: str | None = None
    to_state: str | None = None
    attachments: tuple[Attachment, ...] = ()  # the files the customer may see


def staff_display_name(user: Any) -> str:
    """How staff appear to customers: a first name or full name, else "Customer care"; never a
    username."""
    if user is not None:
        name = (user.first_name or user.get_full_name() or "").strip()
        if name:
            return name
    return gettext("Customer care")


def complaint_public_timeline(*, complaint: Complaint) -> list[PublicEntry]:
    """What the customer may see of the timeline, in time order (three queries): public messages
    with their files,
    and workflow steps that changed the state, without their reasons."""
    customer = complaint.customer
    customer_side = {i for i in (complaint.filed_by_id, customer.owner_id) if i is not None}
    entries = []
    for m in (
        Message.objects.filter(complaint=complaint, visibility=Visibility.PUBLIC)
        .select_related("author")
        .prefetch_related(Prefetch("attachments", queryset=_customer_attachments()))
        .order_by("created_at", "id")
    ):
        from_customer = m.kind == MessageKind.CUSTOMER
        entries.append(
            PublicEntry(
                at=m.created_at,
                kind="message",
                source="customer" if from_customer else "staff",
                author=customer.name if from_customer else staff_display_name(m.author),
                body=m.body,
                attachments=tuple(m.attachments.all()),
            )
        )
    for log in (
        TransitionLog.objects.filter(complaint=complaint)
        .exclude(from_state=F("to_state"))
        .select_related("actor")
        .order_by("created_at", "id")
    ):
        from_customer = log.actor_id is not None and log.actor_id in customer_side
        entries.append(
            PublicEntry(
                at=log.created_at,
                kind="step",
                source="customer" if from_customer else "staff",
                author=customer.name if from_customer else staff_display_name(log.actor),
                body="",
                from_state=log.from_state,
                to_state=log.to_state,
            )
        )
    return sorted(entries, key=lambda e: (e.at, e.kind != "step"))


# --- attachments: who may fetch a file -----------------------------------------------------------


def _customer_attachments() -> QuerySet[Attachment]:
    return Attachment.objects.filter(kind=AttachmentKind.FILE)


def attachment_visible_to_customer(attachment: Attachment) -> bool:
    """Whether the complaint's customer (their link, their integration) may fetch the file: a
    file of a public message. The original mail stays with staff (our relays' headers, and any
    file that was refused are in it). Expects `message` loaded (`attachment_get`)."""
    return (
        attachment.kind == AttachmentKind.FILE
        and attachment.message.visibility == Visibility.PUBLIC
    )


def attachment_get(*, attachment_id: int, complaint_id: int | None = None) -> Attachment:
    """The attachment with its message and complaint (Attachment.DoesNotExist if none)."""
    qs = Attachment.objects.select_related("message__complaint__customer")
    if complaint_id is not None:
        qs = qs.filter(message__complaint_id=complaint_id)
    return qs.get(pk=attachment_id)


def attachment_for(
    *, attachment_id: int, user: Any, complaint_id: int | None = None, staff: bool
) -> Attachment:
    """The attachment `user` may fetch, else Attachment.DoesNotExist (a 404: ids do not leak).
    `staff`: the caller acts as staff (an admin session, a token with the `staff` scope) and
    sees every file of the complaints they may see; anyone else only what the customer may see,
    of complaints visible to them (an integration: its own)."""
    attachment = attachment_get(attachment_id=attachment_id, complaint_id=complaint_id)
    if user is None or not complaint_visible(attachment.message.complaint, user=user):
        raise Attachment.DoesNotExist
    if staff and roles.is_agent(user):
        return attachment
    if not attachment_visible_to_customer(attachment):
        raise Attachment.DoesNotExist
    return attachment


def transition_log_for(*, complaint: Complaint) -> QuerySet[TransitionLog]:
    return TransitionLog.objects.filter(complaint=complaint).select_related("actor")


# --- insight (the dashboard): complaints are gifts -------------------------------------------
# Each figure is one aggregate query (or two), never a loop over complaints.


def _since(days: int, now: datetime | None) -> datetime:
    return (now or timezone.now()) - timedelta(days=days)


def insight_open_by_state() -> list[tuple[str, str, int]]:
    """(state, label, count) for every open state, in workflow order, zeros included."""
    counts = dict(
        Complaint.objects.filter(state__in=OPEN_STATES)
        .order_by()
        .values_list("state")
        .annotate(n=Count("id"))
    )
    return [(s.value, str(s.label), counts.get(s.value, 0)) for s in OPEN_STATES]


def insight_top_categories(
    *, days: int = 30, limit: int = 5, now: datetime | None = None
) -> list[tuple[str, str, int]]:
    """(category, label, count) of complaints filed in the last `days`, most frequent first."""
    labels = dict(Category.choices)
    rows = (
        Complaint.objects.filter(created_at__gte=_since(days, now))
        .order_by()
        .values_list("category")
        .annotate(n=Count("id"))
        .order_by("-n", "category")[:limit]
    )
    return [(category, str(labels.get(category, category)), n) for category, n in rows]


def insight_top_root_causes(
    *, days: int = 30, limit: int = 5, now: datetime | None = None
) -> list[tuple[str, int]]:
    """(root cause, count) recorded on complaints filed in the last `days`."""
    return list(
        Complaint.objects.filter(created_at__gte=_since(days, now))
        .exclude(root_cause="")
        .order_by()
        .values_list("root_cause")
        .annotate(n=Count("id"))
        .order_by("-n", "root_cause")[:limit]
    )


def insight_repeat_complainants(
    *, days: int = 30, at_least: int = 2, limit: int = 10, now: datetime | None = None
) -> list[tuple[Customer, int]]:
    """Customers with `at_least` complaints filed in the last `days`, most first."""
    since = _since(days, now)
    customers = (
        Customer.objects.annotate(
            recent=Count("complaints", filter=Q(complaints__created_at__gte=since))
        )
        .filter(recent__gte=at_least)
        .order_by("-recent", "name")[:limit]
    )
    return [(c, c.recent) for c in customers]


def insight_median_hours_to(
    *, transition: str, days: int = 30, now: datetime | None = None
) -> float | None:
    """Median hours from filing to the first `transition` (e.g. acknowledge, remedy) among
    complaints that reached it in the last `days`; None when there are none."""
    rows = (
        TransitionLog.objects.filter(transition=transition, created_at__gte=_since(days, now))
        .order_by()
        .values("complaint_id")
        .annotate(first=Min("created_at"), filed=Min("complaint__created_at"))
    )
    hours = [(r["first"] - r["filed"]).total_seconds() / 3600 for r in rows]
    return round(statistics.median(hours), 1) if hours else None


def insight_summary(*, days: int = 30, now: datetime | None = None) -> dict[str, Any]:
    """Everything the dashboard shows, in one dict."""
    return {
        "days": days,
        "open_by_state": insight_open_by_state(),
        "top_categories": insight_top_categories(days=days, now=now),
        "top_root_causes": insight_top_root_causes(days=days, now=now),
        "repeat_complainants": insight_repeat_complainants(days=days, now=now),
        "median_hours_to_acknowledge": insight_median_hours_to(
            transition="acknowledge", days=days, now=now
        ),
        "median_hours_to_remedy": insight_median_hours_to(transition="remedy", days=days, now=now),
    }


# --- the REST API's list and actions (issue 5) --------------------------------------------------


def complaint_search(
    *,
    user: Any,
    state: str | None = None,
    overdue: bool | None = None,
    assignee: str | None = None,
    category: str | None = None,
    updated_since: datetime | None = None,
    search: str | None = None,
    now: datetime | None = None,
) -> QuerySet[Complaint]:
    """`complaint_list` narrowed to what `user` may see, filtered; `assignee` is a user id, "me"
    or "none".

    Overdue means a running deadline (first response, promise, resolution, approval: the
    complaint's `next_due_at`, kept by the escalation app) has passed while it is open.
    """
    qs = complaints_visible(complaint_list(user=user), user=user)
    if state:
        qs = qs.filter(state=state)
    if category:
        qs = qs.filter(category=category)
    if updated_since is not None:
        qs = qs.filter(updated_at__gte=updated_since)
    if assignee == "me":
        qs = qs.filter(assignee_id=getattr(user, "pk", None))
    elif assignee == "none":
        qs = qs.filter(assignee__isnull=True)
    elif assignee:
        qs = qs.filter(assignee_id=int(assignee))
    if overdue is not None:
        late = Q(state__in=OPEN_STATES, next_due_at__lt=now or timezone.now())
        qs = qs.filter(late) if overdue else qs.exclude(late)
    if search:
        qs = qs.filter(
            complaint_text_match(
                text=search, fields=("reference", "subject"), exact=("external_id",)
            )
        )
    return qs


def complaint_available_actions(*, complaint: Complaint, user: Any) -> list[str]:
    """Workflow transitions plus pausing or resuming the clock, as the user may do them now."""
    names = complaint_available_transitions(complaint=complaint, user=user)
    if roles.is_agent(user) and complaint.is_open:
        names.append("resume" if complaint.paused_at else "pause")
    return names


def staff_language_of(*, user: Any) -> str:
    """The language `user` picked for their screens, or "" when the browser decides."""
    return staff_profile_of(user=user)[0]


def staff_profile_of(*, user: Any) -> tuple[str, str]:
    """(language, time zone) `user` picked: "" for the browser's language, the site's time zone
    until they pick one. One query."""
    picked = StaffProfile.objects.filter(user=user).values_list("language", "time_zone").first()
    language, time_zone = picked or ("", "")
    return language or "", time_zone or settings.TIME_ZONE


def complaint_merge_targets(*, complaint: Complaint) -> list[tuple[int, str]]:
    """The complaints `complaint` may be merged into: its customer's other open ones, newest
    first, as (id, "reference — subject"). One query."""
    rows = (
        Complaint.objects.filter(customer_id=complaint.customer_id, state__in=OPEN_STATES)
        .exclude(pk=complaint.pk)
        .order_by("-created_at")
        .values_list("pk", "reference", "subject")
    )
    return [(pk, f"{reference} — {subject}") for pk, reference, subject in rows]
