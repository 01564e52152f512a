"""One writer of `Complaint.state`: the engine (the `complaints/services/engine/` package).

- The sweep's bulk escalation (`complaint_escalate_many`) writes, per complaint, exactly the rows
  the single `complaint_escalate` / `complaint_raise_level` write.
- No other module of the project writes the state column: a source scan (checked against the
  code it replaced) and a runtime spy on every UPDATE of a complaint during a full walk.
"""

from __future__ import annotations

import ast
import re
import sys
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.db.models import QuerySet
from django.db.models.sql.compiler import SQLUpdateCompiler
from django.utils import timezone

from compensation import services as compensation_services
from compensation.models import CompensationRequest
from complaints import services
from complaints.models import Complaint, Message, TransitionLog
from complaints.services import Escalation, complaint_escalate_many
from escalation.models import Deadline
from escalation.services import complaint_next_due_refresh, deadline_sweep
from tests import factories
from webhooks.models import OutboxEvent

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
ENGINE = "complaints/services/engine/"  # its modules: common, single (fire), bulk (escalate)
LABEL = "system: bulk test"


@pytest.fixture
def clock(monkeypatch):
    """`clock.freeze()` stops `timezone.now()` at one instant: business-time windows (the
    approval clock) then do not depend on how many milliseconds apart the two paths ran."""

    class Clock:
        at = None

        def freeze(self):
            self.at = timezone.now().replace(microsecond=0)
            monkeypatch.setattr(timezone, "now", lambda: self.at)
            return self.at

    return Clock()


@pytest.fixture
def staff(db):
    return {
        "fl": factories.UserFactory(username="ow_fl", groups=["frontline"]),
        "fl2": factories.UserFactory(username="ow_fl2", groups=["frontline"]),
        "lead": factories.UserFactory(username="ow_lead", groups=["team_lead"]),
        "mgr": factories.UserFactory(username="ow_mgr", groups=["manager"]),
    }


# --- what one escalation wrote, normalised --------------------------------------------------


def _marks() -> dict:
    """Where each table ends now: what comes after was written by the step under test."""
    return {
        "log": TransitionLog.objects.order_by("-pk").values_list("pk", flat=True).first() or 0,
        "message": Message.objects.order_by("-pk").values_list("pk", flat=True).first() or 0,
        "deadline": Deadline.objects.order_by("-pk").values_list("pk", flat=True).first() or 0,
        "events": set(OutboxEvent.objects.values_list("pk", flat=True)),
    }


def _written(complaint_id: int, marks: dict, at) -> dict:
    """The complaint row and every row written for it after `marks`, without ids and with
    times relative to the instant `at` of the step."""
    row = Complaint.objects.values(
        "state",
        "tier",
        "escalation_level",
        "escalated_from",
        "assignee_id",
        "version",
        "updated_at",
        "state_changed_at",
    ).get(pk=complaint_id)
    row["updated_at"] -= at
    row["state_changed_at"] = row["state_changed_at"] == at
    logs = [
        {**log, "created_at": log["created_at"] - at}
        for log in TransitionLog.objects.filter(complaint_id=complaint_id, pk__gt=marks["log"])
        .order_by("pk")
        .values(
            "transition",
            "from_state",
            "to_state",
            "actor_id",
            "actor_label",
            "reason",
            "payload",
            "created_at",
        )
    ]
    messages = [
        {**m, "created_at": m["created_at"] - at}
        for m in Message.objects.filter(complaint_id=complaint_id, pk__gt=marks["message"])
        .order_by("pk")
        .values("kind", "visibility", "body", "author_id", "author_label", "created_at")
    ]
    volatile = {"complaint_id", "reference", "at", "deadline_id"}
    events = sorted(
        (
            (e.type, sorted((k, v) for k, v in e.payload.items() if k not in volatile))
            for e in OutboxEvent.objects.exclude(pk__in=marks["events"])
            if e.payload.get("complaint_id") == complaint_id
        ),
        key=repr,
    )
    deadlines = sorted(
        (d.kind, d.status, d.due_at - d.started_at, d.warn_at - d.started_at, d.started_at - at)
        for d in Deadline.objects.filter(complaint_id=complaint_id, pk__gt=marks["deadline"])
    )
    statuses = sorted(
        Deadline.objects.filter(complaint_id=complaint_id).values_list("kind", "status")
    )
    return {
        "complaint": row,
        "logs": logs,
        "messages": messages,
        "events": events,
        "new_deadlines": deadlines,
        "deadline_statuses": statuses,
    }


# Twins differ only in identity: state, tier, assignee, category and severity vary between them.
ESCALATE_SPEC = [
    ("venting", "frontline", None, "missing_item", "normal"),
    ("venting", "team_lead", "fl", "billing", "high"),
    ("acknowledged", "frontline", "fl2", "damaged", "low"),
    ("acknowledged", "manager", None, "delivery", "critical"),
    ("apologized", "frontline", "fl", "service", "normal"),
    ("apologized", "team_lead", None, "other", "low"),
]
RAISE_SPEC = [
    # (tier after the first escalation, assignee, category, severity)
    ("frontline", None, "missing_item", "normal"),
    ("team_lead", "lead", "billing", "high"),
    ("team_lead", None, "damaged", "critical"),
    ("manager", "mgr", "delivery", "low"),
]


def _twin(staff, state, tier, assignee, category, severity) -> int:
    c = factories.complaint_in(state, category=category, severity=severity)
    # Test data only: put the twin at the tier under test (no service moves a tier sideways).
    Complaint.objects.filter(pk=c.pk).update(tier=tier)
    if assignee:
        services.complaint_assign(complaint_id=c.pk, actor=staff["mgr"], assignee=staff[assignee])
    return c.pk


def _reason(i: int) -> str:
    return f"Deadline {i} passed without an answer."


@pytest.mark.parametrize("actor_name", [None, "lead"])
def test_bulk_escalation_writes_what_single_escalations_write(staff, clock, actor_name):
    one = [_twin(staff, *spec) for spec in ESCALATE_SPEC]
    bulk = [_twin(staff, *spec) for spec in ESCALATE_SPEC]
    actor = staff[actor_name] if actor_name else None
    at = clock.freeze()
    payload = {"deadline_id": 0, "deadline_kind": "first_response"}

    marks = _marks()
    for i, cid in enumerate(one):
        services.complaint_escalate(
            complaint_id=cid,
            actor=actor,
            actor_label=LABEL,
            reason=_reason(i),
            payload={**payload, "deadline_id": i},
        )
    singles = [_written(cid, marks, at) for cid in one]

    marks = _marks()
    result = complaint_escalate_many(
        items=[
            Escalation(complaint_id=cid, reason=_reason(i), payload={**payload, "deadline_id": i})
            for i, cid in enumerate(bulk)
        ],
        actor=actor,
        actor_label=LABEL,
    )
    assert (result.escalated, result.raised, result.skipped) == (bulk, [], [])
    bulks = [_written(cid, marks, at) for cid in bulk]

    for spec, single, many in zip(ESCALATE_SPEC, singles, bulks, strict=True):
        assert many == single, spec
    # ... and what they wrote is an escalation (the comparison is not of two empty sets)
    for (state, _tier, *_), written in zip(ESCALATE_SPEC, singles, strict=True):
        row = written["complaint"]
        assert (row["state"], row["escalated_from"], row["assignee_id"]) == (
            "escalated",
            state,
            None,
        )
        assert [log["transition"] for log in written["logs"]] == ["escalate"]
        assert len(written["messages"]) == 1 and len(written["events"]) == 1
        started = [d[0] for d in written["new_deadlines"]]
        assert started == ["approval"]  # at the top tier too: the managers' decision has its clock


def test_bulk_raise_writes_what_single_raise_level_writes(staff, clock):
    def build():
        ids = []
        for tier, assignee, category, severity in RAISE_SPEC:
            c = factories.complaint_in("escalated", category=category, severity=severity)
            Complaint.objects.filter(pk=c.pk).update(tier=tier)
            if assignee:
                services.complaint_assign(
                    complaint_id=c.pk, actor=staff["mgr"], assignee=staff[assignee]
                )
            ids.append(c.pk)
        return ids

    one, bulk = build(), build()
    at = clock.freeze()

    marks = _marks()
    for i, cid in enumerate(one):
        services.complaint_raise_level(
            complaint_id=cid, actor=None, actor_label=LABEL, reason=_reason(i)
        )
    singles = [_written(cid, marks, at) for cid in one]

    marks = _marks()
    result = complaint_escalate_many(
        items=[Escalation(complaint_id=cid, reason=_reason(i)) for i, cid in enumerate(bulk)],
        actor=None,
        actor_label=LABEL,
    )
    assert (result.escalated, result.raised, result.skipped) == ([], bulk, [])
    bulks = [_written(cid, marks, at) for cid in bulk]

    for spec, single, many in zip(RAISE_SPEC, singles, bulks, strict=True):
        assert many == single, spec
    for (tier, *_), written in zip(RAISE_SPEC, singles, strict=True):
        row = written["complaint"]
        assert (row["state"], row["escalation_level"], row["assignee_id"]) == ("escalated", 2, None)
        assert row["state_changed_at"] is False  # a raise is not a change of state
        assert row["tier"] == {"frontline": "team_lead"}.get(tier, "manager")
        assert [log["transition"] for log in written["logs"]] == ["raise_level"]


def test_one_bulk_call_that_escalates_and_raises_writes_what_single_calls_write(staff, clock):
    """The sweep's call mixes both: complaints to escalate and escalated ones to raise."""
    spec = [("escalated", *r) for r in RAISE_SPEC] + list(ESCALATE_SPEC)

    def build():
        return [_twin(staff, *s) for s in spec]

    one, bulk = build(), build()
    at = clock.freeze()

    marks = _marks()
    for i, (cid, s) in enumerate(zip(one, spec, strict=True)):
        if s[0] == "escalated":
            services.complaint_raise_level(
                complaint_id=cid, actor=None, actor_label=LABEL, reason=_reason(i)
            )
        else:
            services.complaint_escalate(
                complaint_id=cid, actor=None, actor_label=LABEL, reason=_reason(i)
            )
    singles = [_written(cid, marks, at) for cid in one]

    marks = _marks()
    items = [Escalation(complaint_id=cid, reason=_reason(i)) for i, cid in enumerate(bulk)]
    result = complaint_escalate_many(items=items[::-1], actor=None, actor_label=LABEL)
    assert sorted(result.raised) == bulk[: len(RAISE_SPEC)]
    assert sorted(result.escalated) == bulk[len(RAISE_SPEC) :]
    bulks = [_written(cid, marks, at) for cid in bulk]

    for s, single, many in zip(spec, singles, bulks, strict=True):
        assert many == single, s


# --- the source scan ----------------------------------------------------------------------


# `SET state =`, `SET tier = 1, "state" =` (an assignment in an UPDATE's SET list, before WHERE)
_RAW_STATE_WRITE = re.compile(
    r"""\bSET\b(?:(?!\bWHERE\b)[^;])*?["'`]?\bstate["'`]?\s*=(?!=)""", re.I | re.S
)


def _is_state_key(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and node.value == "state"


def state_writes(source: str) -> list[tuple[int, str]]:
    """(line, what) of every place in `source` that writes a `state` column: `.update(state=…)`
    (also through a literal `**{"state": …}`), `state` in the fields of `bulk_update` or
    `save(update_fields=…)`, raw SQL setting it, `x.state = …` and `setattr(x, "state", …)`."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call):
            name = node.func.attr if isinstance(node.func, ast.Attribute) else None
            name = name or (node.func.id if isinstance(node.func, ast.Name) else None)
            keywords = {k.arg: k.value for k in node.keywords}
            if name == "update" and (
                "state" in keywords
                or any(
                    k.arg is None
                    and isinstance(k.value, ast.Dict)
                    and any(_is_state_key(key) for key in k.value.keys)
                    for k in node.keywords
                )
            ):
                found.append((node.lineno, "update(state=...)"))
            fields = []
            if name == "bulk_update":
                fields = [*node.args[1:2], *([keywords["fields"]] if "fields" in keywords else [])]
            if name == "save" and "update_fields" in keywords:
                fields = [keywords["update_fields"]]
            if any(_is_state_key(n) for f in fields for n in ast.walk(f)):
                found.append((node.lineno, f"{name} of the state field"))
            if name == "setattr" and len(node.args) > 1 and _is_state_key(node.args[1]):
                found.append((node.lineno, "setattr(..., 'state', ...)"))
        elif isinstance(node, ast.Assign | ast.AugAssign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                for t in ast.walk(target):
                    if isinstance(t, ast.Attribute) and t.attr == "state":
                        found.append((node.lineno, ".state = ..."))
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            if _RAW_STATE_WRITE.search(node.value):
                found.append((node.lineno, "SQL writing state"))
    return found


def _project_modules():
    skip = {".venv", "tests", "migrations", "node_modules", ".git"}
    for path in sorted(ROOT.rglob("*.py")):
        rel = path.relative_to(ROOT)
        if not skip.intersection(rel.parts):
            yield rel.as_posix(), path


# Writers of state outside the app that are allowed, and why. Each must still be found (below),
# so an entry cannot outlive the code it excuses.
ALLOWED = {
    # Load for the read-path benchmarks: bulk rows in every state, never a workflow step.
    "bench/seed_complaints.py": "update(state=...)",
}

# The sweep's own UPDATE before the engine became its only writer (escalation/services.py at
# 4f2f98c), and other ways around the engine the scan must catch.
OFFENDING = [
    """
done = Complaint.objects.filter(_among(Complaint, ids), state__in=ESCALATABLE).update(
    state=State.ESCALATED, escalated_from=F("state"), state_changed_at=now, **common
)
""",
    "Complaint.objects.filter(pk=1).update(**{'state': 'remedied'})",
    "Complaint.objects.bulk_update(rows, ['tier', 'state'])",
    "Complaint.objects.bulk_update(rows, fields=('state',))",
    "complaint.save(update_fields=['state', 'version'])",
    "complaint.state = State.REMEDIED",
    "c.tier, c.state = 'manager', 'escalated'",
    "setattr(complaint, 'state', 'venting')",
    "cursor.execute('UPDATE complaints_complaint SET state = %s WHERE id = %s', [s, pk])",
    """cursor.execute('UPDATE "complaints_complaint" SET "state" = %s', [s])""",
]
HARMLESS = [
    "Complaint.objects.filter(state=State.ESCALATED).update(tier='manager')",
    "Complaint.objects.filter(pk=1).update(next_due_at=None)",
    "TransitionLog.objects.create(from_state=a, to_state=b)",
    "if complaint.state == State.ESCALATED: pass",
    "x = complaint.state",
    "complaint.save(update_fields=['tier', 'version'])",
    "cursor.execute('SELECT state FROM complaints_complaint WHERE state = %s', [s])",
    "self._state.adding = False",
    """cursor.execute('SELECT id FROM "complaints_complaint" WHERE "state" = %s', [s])""",
    "cursor.execute('UPDATE complaints_complaint SET tier = %s WHERE state = %s', [t, s])",
]


@pytest.mark.parametrize("source", OFFENDING)
def test_scan_flags_code_that_writes_state(source):
    assert state_writes(source), source


@pytest.mark.parametrize("source", HARMLESS)
def test_scan_ignores_code_that_only_reads_state(source):
    assert state_writes(source) == []


def test_no_module_but_the_engine_writes_the_state_column():
    found, scanned = {}, set()
    for rel, path in _project_modules():
        scanned.add(rel)
        hits = state_writes(path.read_text(encoding="utf-8"))
        if hits:
            found[rel] = hits
    # the scan read the code it is about (not an empty or wrong directory)
    assert {"escalation/services/sweep.py", "compensation/services/remedy.py"} <= scanned
    assert any(rel.startswith(ENGINE) for rel in scanned)
    # the engine does write it (the bulk UPDATE): the scan sees a real writer
    assert f"{ENGINE}bulk.py" in found
    allowed = {rel: hits for rel, hits in found.items() if rel in ALLOWED}
    for rel, what in ALLOWED.items():
        assert any(w == what for _, w in allowed.get(rel, [])), f"stale allowance for {rel}"
    others = {
        rel: hits
        for rel, hits in found.items()
        if not rel.startswith(ENGINE) and rel not in ALLOWED
    }
    assert others == {}


# --- the runtime spy ----------------------------------------------------------------------


_PASS_THROUGH = ("django.", "django_fsm", "contextlib", __name__)


def _caller() -> str:
    """The module of the first frame outside Django (and this spy) that led to the UPDATE."""
    frame = sys._getframe(2)
    while frame is not None:
        name = frame.f_globals.get("__name__", "")
        if not name.startswith(_PASS_THROUGH) and name != "django":
            return name
        frame = frame.f_back
    return "?"


@pytest.fixture
def complaint_updates(monkeypatch):
    """Every UPDATE of the complaint table while the test runs, as (caller module, columns):
    `QuerySet.update` (and `bulk_update`, which calls it) as "update", and every UPDATE
    statement compiled for it, `Model.save` included, as "sql"."""
    seen: list[tuple[str, str, frozenset]] = []
    update, execute = QuerySet.update, SQLUpdateCompiler.execute_sql

    def spy_update(self, **kwargs):
        if issubclass(self.model, Complaint):
            seen.append(("update", _caller(), frozenset(kwargs)))
        return update(self, **kwargs)

    def spy_execute(self, *args, **kwargs):
        if issubclass(self.query.model, Complaint) and self.query.values:
            columns = frozenset(field.name for field, _model, _value in self.query.values)
            seen.append(("sql", _caller(), columns))
        return execute(self, *args, **kwargs)

    spy_update.alters_data = True
    monkeypatch.setattr(QuerySet, "update", spy_update)
    monkeypatch.setattr(SQLUpdateCompiler, "execute_sql", spy_execute)
    return seen


def _lapse(complaint_id: int, kinds: list[str], now) -> None:
    Deadline.objects.filter(
        complaint_id=complaint_id, kind__in=kinds, status__in=["pending", "warned"]
    ).update(due_at=now - timedelta(minutes=1), warn_at=now - timedelta(minutes=2))
    complaint_next_due_refresh(complaint_ids=[complaint_id])


def test_only_the_engine_writes_state_through_a_full_walk_and_a_sweep(staff, complaint_updates):
    fl, lead, mgr = staff["fl"], staff["lead"], staff["mgr"]
    c = factories.complaint_new(category="missing_item")
    cid = c.pk
    soon = timezone.now() + timedelta(hours=2)

    def state():
        return Complaint.objects.get(pk=cid).state

    services.complaint_assign(complaint_id=cid, actor=lead, assignee=fl)
    services.complaint_update_details(complaint_id=cid, actor=fl, severity="high")
    services.message_add(complaint_id=cid, actor=fl, body="Looking into it.")
    services.complaint_pause(complaint_id=cid, actor=fl, reason="Waiting for photos")
    services.complaint_resume(complaint_id=cid, actor=fl)
    services.complaint_acknowledge(
        complaint_id=cid, actor=fl, summary="Opener", message="I see.", promised_by=soon
    )
    services.complaint_apologize(complaint_id=cid, actor=fl, message="Sorry.", fault="company")
    services.complaint_escalate(complaint_id=cid, actor=fl, reason="Needs a lead")
    services.complaint_raise_level(complaint_id=cid, actor=None, reason="Bigger than thought")
    services.complaint_return(complaint_id=cid, actor=mgr, note="Offer a voucher")
    assert state() == "apologized"
    services.complaint_remedy(
        outcome="upheld", complaint_id=cid, actor=fl, message="Sent.", root_cause="Packing"
    )
    services.complaint_reopen(complaint_id=cid, actor=fl, message="Still broken")
    # compensation beyond frontline authority escalates; a rejection returns, an approval remedies
    request = compensation_services.compensation_request(
        complaint_id=cid, actor=fl, kind="refund", amount=Decimal("900")
    )
    assert request.status == "pending" and state() == "escalated"
    compensation_services.compensation_reject(request_id=request.pk, actor=mgr, note="Too much")
    assert state() == "venting"
    request = compensation_services.compensation_request(
        complaint_id=cid, actor=fl, kind="refund", amount=Decimal("900")
    )
    compensation_services.compensation_approve(
        request_id=request.pk, actor=mgr, note="Fine", outcome="upheld"
    )
    assert state() == "remedied"
    assert CompensationRequest.objects.filter(complaint_id=cid, status="approved").exists()
    services.complaint_reopen(complaint_id=cid, actor=fl, message="Wrong item again")
    services.complaint_acknowledge(
        complaint_id=cid, actor=fl, summary="Wrong item", message="I see.", promised_by=soon
    )
    services.complaint_set_limits(
        outcome="not_upheld",
        outcome_reason="Limits set.",
        complaint_id=cid,
        actor=fl,
        reason="Abuse",
        message="Bye.",
    )
    services.complaint_reopen(complaint_id=cid, actor=mgr, message="Let us try again")
    services.complaint_set_limits(
        outcome="not_upheld",
        outcome_reason="Limits set.",
        complaint_id=cid,
        actor=mgr,
        reason="Abuse",
        message="Bye.",
        abuse=True,
    )
    services.complaint_reopen(complaint_id=cid, actor=mgr, message="Once more")
    # the sweep: a lapsed first response escalates, a lapsed approval raises the level
    now = timezone.now()
    _lapse(cid, ["first_response", "resolution"], now)
    assert deadline_sweep(now=now).escalated == 1
    _lapse(cid, ["approval"], now + timedelta(minutes=5))
    assert deadline_sweep(now=now + timedelta(minutes=5)).raised == 1
    services.complaint_approve(outcome="upheld", complaint_id=cid, actor=mgr, note="Done")
    assert state() == "remedied"
    # a duplicate of the same customer's is merged into it
    services.complaint_reopen(complaint_id=cid, actor=fl, message="And another thing")
    duplicate = factories.complaint_new(customer_email=c.customer.email)
    services.complaint_merge(complaint_id=duplicate.pk, into_id=cid, actor=fl)
    services.complaint_merge(
        complaint_id=cid,
        into_id=factories.complaint_new(customer_email=c.customer.email).pk,
        actor=fl,
    )
    assert state() == "merged"

    steps = set(TransitionLog.objects.filter(complaint_id=cid).values_list("transition", flat=True))
    assert set(services.TRANSITION_METHODS) | {"raise_level", "pause", "resume"} <= steps

    writers = {caller for _how, caller, columns in complaint_updates if "state" in columns}
    # the single path saves through `engine.common.touch`, the bulk one updates in `engine.bulk`
    assert writers == {"complaints.services.engine.common", "complaints.services.engine.bulk"}
    # both ways of writing were seen (the spy is not blind), and other columns by others
    assert {how for how, _c, columns in complaint_updates if "state" in columns} == {
        "update",
        "sql",
    }
    others = {caller for _how, caller, columns in complaint_updates if "state" not in columns}
    assert "escalation.services.deadlines" in others
