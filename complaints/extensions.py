"""The one place where complaints declares how the apps above it (escalation, compensation) extend
it, and the only way they do: by calling a registering function offered here.

What this module guarantees:
- Every extension point is declared here and filled only through its registering function; no
  other app assigns an attribute of a complaints module or writes into one of its dicts.
- A named entry has exactly one provider: registering a detail section name, a handler, an admin
  action change or the same panel a second time raises ImproperlyConfigured at start-up.
- With nothing registered, complaints works alone: no extra sections or panels, and remedy,
  approve and return are the plain `complaints.services` calls.
- Panels and filters run in registration order. Apps register from `AppConfig.ready()`, so that
  order is INSTALLED_APPS order (escalation before compensation).
- The API (`complaints.apis`) and the admin buttons (`complaints.admin`) call the same handler,
  so a remedy with compensation takes one path whichever door it came through.

The points:
- `detail_section(name)`: a key of the API complaint detail, fn(complaint, user) -> list[dict];
  `detail_section(name, public=True)`: a key of the customer-safe detail integrations get, which
  must hold only what the customer may see (e.g. granted compensation: kind, amount, currency).
  `serializer=` names the serializer of one item, so the OpenAPI document types the section
  (`detail_section_serializer(name)`); without it the section is a list of untyped objects.
- `detail_value(name)`: a single value of the staff API complaint detail that complaints declares
  (`customer_url`), fn(complaint, user) -> value; None when no app provides it.
- `queue_flag(annotate=, flagged=, label=)`: a badge in the frontline queue: `annotate(queryset)`
  adds what `flagged(complaint)` reads to the queue's own query (no query per row).
- `remedy_handler`, `approve_handler`, `return_handler`: who carries out remedy (with
  compensation `items`), approve and return; `complaint_remedy` etc. call the provider.
- `admin_action(name, ...)`: change an entry of the admin's workflow button table
  (`complaints.admin.ACTIONS`): its label, form, run, style, or a `notice` shown after success.
- `hide_admin_actions(fn)`: fn(complaint, user) -> names of buttons the complaint page withholds.
- `complaint_panel(fn)`: fn(request, complaint) -> HTML block on the admin complaint page.
- `dashboard_panel(fn)`: fn(request) -> HTML block on the insight dashboard.
- `customer_admin_action(fn)`: an admin action on the customer list (privacy: export, anonymise).
- `dashboard_figure(name, title)`: fn(request) -> (header, rows), a dashboard figure offered as
  a CSV download (`dashboard/<name>.csv`) beside complaints' own.
- `override(...)`: for tests, replace entries inside a `with` block; all is restored after.

This module imports only Django and complaints; never escalation or compensation.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, TypeVar

from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext as _

from complaints import services
from core.errors import RuleViolationError

if TYPE_CHECKING:
    from django import forms
    from django.http import HttpRequest

    from complaints.models import Complaint

SectionFn = Callable[["Complaint", Any], list[dict]]
# (complaint_id=, actor=, message=, root_cause=, outcome=, outcome_reason=, items=,
# expected_version=) -> Any. An item is {kind, amount, currency, quantity, note, nature}
# (nature optional: redress or goodwill); a fault in item n (counted from 1, as staff read
# them) is reported as an InvalidDataError field `items.<n>.<field>`.
RemedyFn = Callable[..., Any]
# (complaint_id=, actor=, note=, expected_version=) -> Any; approve also takes outcome= and
# outcome_reason= (the approver's, blank: the one proposed with the remedy)
DecisionFn = Callable[..., Any]
HideFn = Callable[["Complaint", Any], Iterable[str]]
ComplaintPanelFn = Callable[["HttpRequest", "Complaint"], str]
DashboardPanelFn = Callable[["HttpRequest"], str]
# request -> (column headers, rows): one dashboard figure as a table.
DashboardFigureFn = Callable[["HttpRequest"], tuple[Sequence[Any], Iterable[Sequence[Any]]]]
F = TypeVar("F", bound=Callable[..., Any])
# The values of the staff detail that complaints declares and a higher app may fill.
DETAIL_VALUES = ("customer_url",)


@dataclass(frozen=True)
class QueueFlag:
    annotate: Callable[[Any], Any]  # queryset -> queryset
    flagged: Callable[[Complaint], bool]
    label: Any  # shown in the badge (lazy text)


@dataclass
class _Points:
    sections: dict[str, SectionFn] = field(default_factory=dict)
    public_sections: dict[str, SectionFn] = field(default_factory=dict)
    section_serializers: dict[tuple[str, bool], Any] = field(default_factory=dict)
    handlers: dict[str, Callable[..., Any]] = field(default_factory=dict)
    admin_actions: dict[str, dict[str, Any]] = field(default_factory=dict)
    hide_actions: list[HideFn] = field(default_factory=list)
    complaint_panels: list[ComplaintPanelFn] = field(default_factory=list)
    dashboard_panels: list[DashboardPanelFn] = field(default_factory=list)
    values: dict[str, SectionFn] = field(default_factory=dict)
    queue_flags: list[QueueFlag] = field(default_factory=list)
    customer_actions: list[Callable[..., Any]] = field(default_factory=list)
    dashboard_figures: dict[str, tuple[Any, DashboardFigureFn]] = field(default_factory=dict)

    def copy(self) -> _Points:
        return _Points(
            sections=dict(self.sections),
            public_sections=dict(self.public_sections),
            section_serializers=dict(self.section_serializers),
            handlers=dict(self.handlers),
            admin_actions={name: dict(c) for name, c in self.admin_actions.items()},
            hide_actions=list(self.hide_actions),
            complaint_panels=list(self.complaint_panels),
            dashboard_panels=list(self.dashboard_panels),
            values=dict(self.values),
            queue_flags=list(self.queue_flags),
            customer_actions=list(self.customer_actions),
            dashboard_figures=dict(self.dashboard_figures),
        )


_points = _Points()


def _refuse(what: str) -> ImproperlyConfigured:
    return ImproperlyConfigured(f"{what} is already registered; each has exactly one provider.")


def _label(fn: Callable[..., Any]) -> str:
    return f"{getattr(fn, '__module__', '?')}.{getattr(fn, '__qualname__', repr(fn))}"


# --- the API complaint detail -------------------------------------------------------------------


def detail_section(
    name: str, *, public: bool = False, serializer: type | None = None
) -> Callable[[SectionFn], SectionFn]:
    """Decorator: `name` becomes a key of the API complaint detail, filled by fn(complaint, user).
    With `public=True`, a key of the customer-safe detail (what integrations see) instead.
    `serializer`: the (DRF) serializer class of one item of the list, for the OpenAPI document."""

    def register(fn: SectionFn) -> SectionFn:
        sections = _points.public_sections if public else _points.sections
        if name in sections:
            raise _refuse(f"{'Public detail' if public else 'Detail'} section {name!r}")
        sections[name] = fn
        if serializer is not None:
            _points.section_serializers[(name, public)] = serializer
        return fn

    return register


def detail_sections(*, public: bool = False) -> Mapping[str, SectionFn]:
    return MappingProxyType(dict(_points.public_sections if public else _points.sections))


def detail_section_serializer(name: str, *, public: bool = False) -> type | None:
    """The serializer class of one item of section `name`, if its provider declared one."""
    return _points.section_serializers.get((name, public))


def detail_value(name: str) -> Callable[[Callable[[Complaint, Any], Any]], Any]:
    """Decorator: fn(complaint, user) fills the staff detail's value `name` (`DETAIL_VALUES`)."""

    def register(fn):
        if name not in DETAIL_VALUES:
            raise ImproperlyConfigured(f"The complaint detail declares no value {name!r}.")
        if name in _points.values:
            raise _refuse(f"Detail value {name!r}")
        _points.values[name] = fn
        return fn

    return register


def detail_values(*, complaint: Complaint, user: Any) -> dict[str, Any]:
    return {name: fn(complaint, user) for name, fn in _points.values.items()}


# --- the queue's flags ----------------------------------------------------------------------------


def queue_flag(*, annotate: Callable[[Any], Any], flagged: Callable[..., bool], label: Any) -> None:
    """Register a badge of the frontline queue (see `QueueFlag`)."""
    if any(f.annotate is annotate for f in _points.queue_flags):
        raise _refuse(f"The queue flag {_label(annotate)}")
    _points.queue_flags.append(QueueFlag(annotate=annotate, flagged=flagged, label=label))


def queue_flags() -> tuple[QueueFlag, ...]:
    return tuple(_points.queue_flags)


# --- remedy / approve / return: one provider each, shared by the API and the admin ---------------


def _register_handler(name: str, fn: F) -> F:
    if name in _points.handlers:
        raise _refuse(f"The {name} handler ({_label(_points.handlers[name])})")
    _points.handlers[name] = fn
    return fn


def remedy_handler(fn: F) -> F:
    """Register who remedies a complaint, with compensation items (see `RemedyFn`)."""
    return _register_handler("remedy", fn)


def approve_handler(fn: F) -> F:
    """Register who approves what waits on an escalated complaint."""
    return _register_handler("approve", fn)


def return_handler(fn: F) -> F:
    """Register who sends an escalated complaint back."""
    return _register_handler("return", fn)


def remedy_handler_registered() -> bool:
    return "remedy" in _points.handlers


def complaint_remedy(
    *,
    complaint_id: int,
    actor: Any,
    message: str,
    root_cause: str,
    outcome: str,
    outcome_reason: str = "",
    items: Sequence[Mapping[str, Any]] = (),
    expected_version: int | None = None,
) -> Any:
    """Remedy through the registered handler; without one, the plain service (no items)."""
    handler = _points.handlers.get("remedy")
    if handler is not None:
        return handler(
            complaint_id=complaint_id,
            actor=actor,
            message=message,
            root_cause=root_cause,
            outcome=outcome,
            outcome_reason=outcome_reason,
            items=items,
            expected_version=expected_version,
        )
    if items:  # refused before anything is written: nobody here can decide compensation
        raise RuleViolationError(
            _("No installed app grants compensation: remedy without compensation items."),
            fields={"items": [_("Not available.")]},
        )
    return services.complaint_remedy(
        complaint_id=complaint_id,
        actor=actor,
        message=message,
        root_cause=root_cause,
        outcome=outcome,
        outcome_reason=outcome_reason,
        expected_version=expected_version,
    )


def complaint_approve(
    *,
    complaint_id: int,
    actor: Any,
    note: str = "",
    outcome: str = "",
    outcome_reason: str = "",
    expected_version: int | None = None,
) -> Any:
    handler = _points.handlers.get("approve", services.complaint_approve)
    return handler(
        complaint_id=complaint_id,
        actor=actor,
        note=note,
        outcome=outcome,
        outcome_reason=outcome_reason,
        expected_version=expected_version,
    )


def complaint_return(
    *, complaint_id: int, actor: Any, note: str, expected_version: int | None = None
) -> Any:
    handler = _points.handlers.get("return", services.complaint_return)
    return handler(
        complaint_id=complaint_id, actor=actor, note=note, expected_version=expected_version
    )


# --- the admin's workflow buttons -----------------------------------------------------------------


def admin_action(
    name: str,
    *,
    label: str | None = None,
    form: type[forms.Form] | None = None,
    run: Callable[..., Any] | None = None,
    style: str | None = None,
    notice: Callable[..., str | None] | None = None,
) -> None:
    """Change entry `name` of the admin's button table, `complaints.admin.ACTIONS`.

    `notice(complaint_id=, result=)` returns a warning to show after the action succeeded (or
    None). Only the parts given change; one app changes a given entry.
    """
    # Imported here, not at the top: the admin module imports this one, and its table is only
    # needed to refuse a name it does not declare.
    from complaints.admin import ACTIONS

    if name not in ACTIONS:
        raise ImproperlyConfigured(f"The admin has no workflow action {name!r} to change.")
    if name in _points.admin_actions:
        raise _refuse(f"A change of admin action {name!r}")
    given = {"label": label, "form": form, "run": run, "style": style, "notice": notice}
    changes = {key: value for key, value in given.items() if value is not None}
    if not changes:
        raise ImproperlyConfigured(f"admin_action({name!r}) changes nothing.")
    _points.admin_actions[name] = changes


def admin_action_changes() -> Mapping[str, Mapping[str, Any]]:
    return MappingProxyType({name: dict(c) for name, c in _points.admin_actions.items()})


def hide_admin_actions(fn: F) -> F:
    """Register fn(complaint, user) -> names of workflow buttons the complaint page withholds."""
    if fn in _points.hide_actions:
        raise _refuse(f"The action filter {_label(fn)}")
    _points.hide_actions.append(fn)
    return fn


def admin_actions_hidden(*, complaint: Complaint, user: Any) -> set[str]:
    return {name for fn in _points.hide_actions for name in fn(complaint, user)}


# --- panels: the complaint page and the insight dashboard ---------------------------------------


def complaint_panel(fn: F) -> F:
    """Register fn(request, complaint) -> an HTML block for the admin complaint page."""
    if fn in _points.complaint_panels:
        raise _refuse(f"The complaint panel {_label(fn)}")
    _points.complaint_panels.append(fn)
    return fn


def dashboard_panel(fn: F) -> F:
    """Register fn(request) -> an HTML block for the insight dashboard."""
    if fn in _points.dashboard_panels:
        raise _refuse(f"The dashboard panel {_label(fn)}")
    _points.dashboard_panels.append(fn)
    return fn


def customer_admin_action(fn: F) -> F:
    """Register a Django admin action (fn(modeladmin, request, queryset), with its
    `short_description`) for the customer list."""
    if any(_label(f) == _label(fn) for f in _points.customer_actions):
        raise _refuse(f"The customer admin action {_label(fn)}")
    _points.customer_actions.append(fn)
    return fn


def customer_admin_actions() -> tuple[Callable[..., Any], ...]:
    return tuple(_points.customer_actions)


def dashboard_figure(name: str, *, title: Any) -> Callable[[F], F]:
    """Register fn(request) -> (header, rows) as the dashboard's CSV download `name` (a slug),
    listed under `title` (a lazy translation)."""

    def register(fn: F) -> F:
        if name in _points.dashboard_figures:
            raise _refuse(f"The dashboard figure {name!r}")
        _points.dashboard_figures[name] = (title, fn)
        return fn

    return register


def dashboard_figures() -> Mapping[str, tuple[Any, DashboardFigureFn]]:
    return MappingProxyType(dict(_points.dashboard_figures))


def complaint_panels() -> tuple[ComplaintPanelFn, ...]:
    return tuple(_points.complaint_panels)


def dashboard_panels() -> tuple[DashboardPanelFn, ...]:
    return tuple(_points.dashboard_panels)


# --- tests ----------------------------------------------------------------------------------------

_KEEP: Any = object()


@contextmanager
def override(
    *,
    detail_sections: Mapping[str, SectionFn | None] | None = None,
    public_detail_sections: Mapping[str, SectionFn | None] | None = None,
    remedy_handler: RemedyFn | None = _KEEP,
    approve_handler: DecisionFn | None = _KEEP,
    return_handler: DecisionFn | None = _KEEP,
    admin_actions: Mapping[str, Mapping[str, Any] | None] | None = None,
    hide_admin_actions: Sequence[HideFn] | None = None,
    complaint_panels: Sequence[ComplaintPanelFn] | None = None,
    dashboard_panels: Sequence[DashboardPanelFn] | None = None,
    dashboard_figures: Mapping[str, tuple[Any, DashboardFigureFn] | None] | None = None,
) -> Iterator[None]:
    """For tests: inside the block the given entries replace the registered ones; on exit every
    point is as before, including anything registered inside the block.

    A section or admin action mapped to None, or a handler given as None, is removed (a handler
    falls back to the plain service); a panel or filter list replaces the whole list.
    """
    global _points
    saved = _points
    points = saved.copy()
    for target, given in (
        (points.sections, detail_sections),
        (points.public_sections, public_detail_sections),
    ):
        for name, fn in (given or {}).items():
            if fn is None:
                target.pop(name, None)
            else:
                target[name] = fn
    for name, fn in (
        ("remedy", remedy_handler),
        ("approve", approve_handler),
        ("return", return_handler),
    ):
        if fn is None:
            points.handlers.pop(name, None)
        elif fn is not _KEEP:
            points.handlers[name] = fn
    for name, changes in (admin_actions or {}).items():
        if changes is None:
            points.admin_actions.pop(name, None)
        else:
            points.admin_actions[name] = dict(changes)
    if hide_admin_actions is not None:
        points.hide_actions = list(hide_admin_actions)
    if complaint_panels is not None:
        points.complaint_panels = list(complaint_panels)
    if dashboard_panels is not None:
        points.dashboard_panels = list(dashboard_panels)
    for name, entry in (dashboard_figures or {}).items():
        if entry is None:
            points.dashboard_figures.pop(name, None)
        else:
            points.dashboard_figures[name] = entry
    _points = points
    try:
        yield
    finally:
        _points = saved
