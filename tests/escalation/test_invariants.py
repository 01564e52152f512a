"""`manage.py check_invariants` (DESIGN §2a): a clean database passes; rows corrupted behind the
engine's back are reported and fail the command; `--repair` fixes what is safe and logs it."""

import io
import logging
from datetime import timedelta

import pgtrigger
import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from complaints import services
from complaints.models import Complaint, State, TransitionLog
from escalation import invariants, tasks
from escalation.models import Deadline
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def walked(committed):
    """One complaint in each state and one paused, walked through the services step by step,
    each step committed, so the deadlines follow as they do in production."""
    walker = factories.UserFactory(username="walker", groups=["frontline"])
    promise = timezone.now() + timedelta(days=2)
    steps = {
        "ack": lambda cid: services.complaint_acknowledge(
            complaint_id=cid, actor=walker, summary="s", message="m", promised_by=promise
        ),
        "apo": lambda cid: services.complaint_apologize(
            complaint_id=cid, actor=walker, message="Sorry.", fault="company"
        ),
        "rem": lambda cid: services.complaint_remedy(
            outcome="upheld", complaint_id=cid, actor=walker, message="Sent.", root_cause="Packing"
        ),
        "esc": lambda cid: services.complaint_escalate(
            complaint_id=cid, actor=walker, reason="Needs a lead"
        ),
        "lim": lambda cid: services.complaint_set_limits(
            outcome="not_upheld",
            outcome_reason="Limits set.",
            complaint_id=cid,
            actor=walker,
            reason="Abuse",
            message="We end this here.",
        ),
        "pause": lambda cid: services.complaint_pause(
            complaint_id=cid, actor=walker, reason="Waiting on photos"
        ),
        # into a fresh complaint of the same customer's, which then runs its own clocks
        "merge": lambda cid: services.complaint_merge(
            complaint_id=cid,
            into_id=factories.complaint_new(
                customer_email=Complaint.objects.get(pk=cid).customer.email
            ).pk,
            actor=walker,
        ),
    }
    paths = {
        "venting": [],
        "acknowledged": ["ack"],
        "apologized": ["ack", "apo"],
        "escalated": ["esc"],
        "remedied": ["ack", "apo", "rem"],
        "limit_set": ["ack", "lim"],
        "paused": ["ack", "pause"],
        "merged": ["ack", "merge"],
    }

    def make() -> dict[str, Complaint]:
        made = {}
        for name, path in paths.items():
            cid = committed(factories.complaint_new).pk
            for step in path:
                committed(steps[step], cid=cid)
            made[name] = Complaint.objects.get(pk=cid)
        return made

    return make


def check(*args) -> str:
    """Run the command; its output, or a CommandError carrying the output and the summary."""
    out = io.StringIO()
    try:
        call_command("check_invariants", *args, stdout=out)
    except CommandError as error:
        raise CommandError(f"{out.getvalue()}{error}") from None
    return out.getvalue()


def delete_log(log_id: int) -> None:
    """The audit trail refuses deletes (the model, and PostgreSQL's trigger): go around both, as
    a bug or a hand with the table owner's rights would, to see the invariant check notice."""
    with pgtrigger.ignore("complaints.TransitionLog:audit_delete"), connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {TransitionLog._meta.db_table} WHERE id = %s", [log_id])


def running(complaint):
    return Deadline.objects.filter(
        complaint=complaint, status__in=["pending", "warned"], paused_at__isnull=True
    )


def test_a_clean_database_passes(walked):
    made = walked()
    assert {c.state for c in made.values()} == set(State.values)
    assert made["paused"].paused_at is not None
    assert Deadline.objects.filter(complaint=made["remedied"], status="met").exists()
    assert Deadline.objects.filter(complaint=made["limit_set"], status="cancelled").exists()
    assert invariants.invariant_violation_list() == []
    # one in each state and a paused one, and the complaint the merged one lives on in
    assert check().strip().endswith("checked 9 complaints: 0 violations")


# --- each kind of violation, made by corrupting rows directly ---------------------------------


def no_running_deadline(c):
    Deadline.objects.filter(complaint=c).update(status="cancelled")


def next_due_wrong(c):
    Complaint.objects.filter(pk=c.pk).update(next_due_at=F("next_due_at") + timedelta(hours=1))


def next_due_missing(c):
    Complaint.objects.filter(pk=c.pk).update(next_due_at=None)


def running_while_paused(c):
    Deadline.objects.filter(complaint=c, status="pending").update(paused_at=None)


def open_while_closed(c):
    Deadline.objects.filter(complaint=c).update(status="pending")


def last_log_deleted(c):
    delete_log(TransitionLog.objects.filter(complaint=c).order_by("created_at", "id").last().pk)


def intake_log_deleted(c):
    delete_log(TransitionLog.objects.get(complaint=c, transition="intake").pk)


@pytest.mark.parametrize(
    ("which", "corrupt", "kind"),
    [
        ("venting", no_running_deadline, "no_running_deadline"),
        ("escalated", no_running_deadline, "no_running_deadline"),
        ("acknowledged", next_due_wrong, "next_due_at_wrong"),
        ("venting", next_due_missing, "next_due_at_wrong"),
        ("paused", running_while_paused, "running_deadline_while_paused"),
        ("remedied", open_while_closed, "open_deadline_while_closed"),
        ("limit_set", open_while_closed, "open_deadline_while_closed"),
        ("apologized", last_log_deleted, "state_without_log"),
        ("acknowledged", intake_log_deleted, "no_intake_log"),
    ],
)
def test_each_violation_is_reported_and_fails_the_command(walked, which, corrupt, kind):
    made = walked()
    c = made[which]
    corrupt(c)
    found = invariants.invariant_violation_list()
    assert kind in {v.kind for v in found if v.complaint_id == c.pk}
    assert {v.complaint_id for v in found} == {c.pk}  # the other complaints stay clean
    assert all(v.reference == c.reference for v in found)
    with pytest.raises(CommandError) as failed:
        check()
    assert f"{kind} {c.reference} (id {c.pk})" in str(failed.value)
    assert "checked 9 complaints: " in str(failed.value)


def test_no_running_deadline_says_when_deadlines_were_left_paused(committed):
    c = committed(factories.complaint_in, state="acknowledged")
    Deadline.objects.filter(complaint=c, status="pending").update(paused_at=c.created_at)
    (violation,) = [
        v for v in invariants.invariant_violation_list() if v.kind == "no_running_deadline"
    ]
    assert "open deadline(s) are paused" in violation.detail


# --- repair --------------------------------------------------------------------------------------


def test_repair_starts_missing_clocks_and_fixes_next_due(walked, caplog):
    made = walked()
    venting, acknowledged, apologized = made["venting"], made["acknowledged"], made["apologized"]
    no_running_deadline(venting)
    no_running_deadline(acknowledged)
    next_due_missing(apologized)
    expected_next_due = running(apologized).order_by("due_at").first().due_at

    with caplog.at_level(logging.ERROR, logger="escalation.invariants"):
        out = check("--repair")

    assert out.strip().endswith("checked 9 complaints: 0 violations (3 repaired)")
    assert invariants.invariant_violation_list() == []
    assert set(running(venting).values_list("kind", flat=True)) == {"first_response", "resolution"}
    assert set(running(acknowledged).values_list("kind", flat=True)) == {"resolution"}
    for c in (venting, acknowledged):
        earliest = running(c).order_by("due_at").first().due_at
        assert Complaint.objects.get(pk=c.pk).next_due_at == earliest
    assert Complaint.objects.get(pk=apologized.pk).next_due_at == expected_next_due
    errors = [r for r in caplog.records if r.levelno == logging.ERROR]
    repaired = {r.args[0] for r in errors}
    assert repaired == {venting.reference, acknowledged.reference, apologized.reference}


def test_repair_resumes_deadlines_left_paused_with_their_time(committed):
    c = committed(factories.complaint_in, state="acknowledged")
    left = running(c).count()
    Deadline.objects.filter(complaint=c, status="pending").update(
        paused_at=c.created_at, remaining_seconds=3600, warn_remaining_seconds=2700
    )
    repaired = invariants.invariants_repair(violations=invariants.invariant_violation_list())
    assert [v.kind for v in repaired] == ["no_running_deadline"]
    assert running(c).count() == left
    assert not Deadline.objects.filter(complaint=c, paused_at__isnull=False).exists()
    assert invariants.invariant_violation_list() == []


def test_repair_leaves_what_it_cannot_repair_and_the_command_still_fails(walked, caplog):
    made = walked()
    apologized, remedied = made["apologized"], made["remedied"]
    last_log_deleted(apologized)
    open_while_closed(remedied)  # next_due_at follows the open row; the row itself stays
    with pytest.raises(CommandError) as failed:
        check("--repair")
    report = str(failed.value)
    assert "checked 9 complaints: 2 violations (1 repaired)" in report
    assert f"repaired: next_due_at_wrong {remedied.reference}" in report
    assert f"remains: state_without_log {apologized.reference}" in report
    assert f"remains: open_deadline_while_closed {remedied.reference}" in report
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert [r.args[0] for r in errors] == [remedied.reference]


def test_repair_skips_a_violation_fixed_meanwhile(committed, caplog):
    c = committed(factories.complaint_in, state="venting")
    no_running_deadline(c)
    stale = invariants.invariant_violation_list()
    assert invariants.invariants_repair(violations=stale)  # repaired once ...
    before = Deadline.objects.filter(complaint=c).count()
    caplog.clear()
    assert invariants.invariants_repair(violations=stale) == []  # ... and not twice
    assert Deadline.objects.filter(complaint=c).count() == before
    assert not caplog.records


def test_the_hourly_task_repairs_and_is_scheduled(committed):
    c = committed(factories.complaint_in, state="venting")
    no_running_deadline(c)
    assert tasks.check_invariants() == {"checked": 1, "found": 2, "repaired": 1, "remaining": 0}
    assert tasks.check_invariants() == {"checked": 1, "found": 0, "repaired": 0, "remaining": 0}
    assert tasks.check_invariants.name == "escalation.check_invariants"
    assert tasks.check_invariants.acks_late
    entry = settings.CELERY_BEAT_SCHEDULE["escalation-check-invariants"]
    assert entry["task"] == "escalation.check_invariants"
    assert entry["schedule"] == settings.REDRESS_INVARIANTS_INTERVAL == 3600


# --- the check is set-based ----------------------------------------------------------------------


def test_query_count_does_not_grow_with_the_complaints(committed):
    def make(n):
        for _ in range(n):
            c = committed(factories.complaint_new)
        no_running_deadline(c)  # violations too, so violating rows are read as well
        next_due_wrong(committed(factories.complaint_new))

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            result = invariants.invariants_check(chunk_size=2)  # several chunks at 50
        assert result.violations
        return len(ctx.captured_queries)

    make(5)
    few = queries()
    make(45)
    assert Complaint.objects.count() == 52
    assert queries() == few <= 3
