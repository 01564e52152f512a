"""The audit rows cannot be changed: every ORM way in is refused (here, on any database), every
SQL way in is refused by trigger (PostgreSQL), and the logged redaction is the one exception.

Each PostgreSQL test sends its statement inside a savepoint and then reads the row back from
the database: the row must be as it was, whatever error the attempt raised.
"""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction

from compensation import services as compensation_services
from compensation.models import AuthorityRuleChange, CompensationRequest, Status
from complaints.models import TransitionLog
from core.audit import AppendOnlyError, audit_redact, audit_redaction
from core.errors import InvalidDataError, NotFoundError
from core.models import AuditRedaction
from tests.factories import complaint_in, complaint_new


def _row(log: TransitionLog) -> tuple:
    return TransitionLog.objects.filter(pk=log.pk).values_list(
        "complaint_id",
        "transition",
        "from_state",
        "to_state",
        "actor_label",
        "reason",
        "created_at",
    )[0]


@pytest.fixture
def log(db):
    c = complaint_new()
    return TransitionLog.objects.get(complaint=c)


# --- the model guard (every database) ----------------------------------------------------------


@pytest.mark.django_db
def test_save_of_a_new_instance_with_a_stored_pk_is_refused(log):
    before = _row(log)
    forged = TransitionLog(
        pk=log.pk,
        complaint_id=log.complaint_id,
        transition="remedy",
        from_state="venting",
        to_state="remedied",
        actor_label="forger",
    )
    with pytest.raises(AppendOnlyError):
        forged.save()
    with pytest.raises(AppendOnlyError):
        TransitionLog.objects.update_or_create(pk=log.pk, defaults={"reason": "rewritten"})
    assert _row(log) == before


@pytest.mark.django_db
def test_bulk_upserts_and_bulk_update_are_refused(log):
    before = _row(log)
    forged = TransitionLog(
        pk=log.pk, complaint_id=log.complaint_id, transition="x", actor_label="forger"
    )
    with pytest.raises(AppendOnlyError):
        TransitionLog.objects.bulk_create(
            [forged], update_conflicts=True, unique_fields=["id"], update_fields=["transition"]
        )
    with pytest.raises(AppendOnlyError):
        TransitionLog.objects.bulk_create([forged])
    log.reason = "rewritten"
    with pytest.raises(AppendOnlyError):
        TransitionLog.objects.bulk_update([log], ["reason"])
    assert _row(log) == before


@pytest.mark.django_db
def test_queryset_and_base_manager_writes_are_refused(log):
    before = _row(log)
    for qs in (TransitionLog.objects.all(), TransitionLog._base_manager.all()):
        with pytest.raises(AppendOnlyError):
            qs.filter(pk=log.pk).update(reason="rewritten")
        with pytest.raises(AppendOnlyError):
            qs.filter(pk=log.pk).delete()
    with pytest.raises(AppendOnlyError):
        log.delete()
    assert _row(log) == before


@pytest.mark.django_db
def test_inserting_stays_possible(log):
    TransitionLog.objects.bulk_create(
        [TransitionLog(complaint_id=log.complaint_id, transition="note", actor_label="a")]
    )
    TransitionLog(complaint_id=log.complaint_id, transition="note", actor_label="b").save()
    assert TransitionLog.objects.filter(complaint_id=log.complaint_id).count() == 3


@pytest.mark.django_db
def test_a_redaction_window_allows_only_the_declared_text_columns(log):
    with audit_redaction(reason="erasure request 42"):
        with pytest.raises(AppendOnlyError):
            TransitionLog.objects.filter(pk=log.pk).update(to_state="remedied")
        with pytest.raises(AppendOnlyError):
            TransitionLog.objects.filter(pk=log.pk).delete()
        TransitionLog.objects.filter(pk=log.pk).update(actor_label="[redacted]")
    with pytest.raises(AppendOnlyError):  # the window is closed again
        TransitionLog.objects.filter(pk=log.pk).update(actor_label="again")
    assert TransitionLog.objects.get(pk=log.pk).actor_label == "[redacted]"


@pytest.mark.django_db
def test_audit_redact_replaces_text_and_logs_without_the_old_values(log, manager):
    log_before = _row(log)
    original = log.actor_label
    entry = audit_redact(
        model="complaints.TransitionLog",
        pk=log.pk,
        fields={"actor_label": "[redacted]", "reason": ""},
        reason="Erasure request from the customer",
        actor=manager,
    )
    after = _row(log)
    assert after[4] == "[redacted]"
    assert after[:4] == log_before[:4] and after[6] == log_before[6]
    entry = AuditRedaction.objects.get(pk=entry.pk)
    assert (entry.model, entry.object_pk, entry.fields) == (
        "complaints.TransitionLog",
        str(log.pk),
        ["actor_label", "reason"],
    )
    assert entry.actor == manager and entry.actor_label == manager.username
    assert entry.reason == "Erasure request from the customer"
    assert original not in str(AuditRedaction.objects.filter(pk=entry.pk).values()[0])
    with pytest.raises(AppendOnlyError):
        entry.delete()


@pytest.mark.django_db
def test_audit_redact_refuses_other_columns_unknown_rows_and_no_reason(log):
    before = _row(log)
    with pytest.raises(InvalidDataError):
        audit_redact(model=TransitionLog, pk=log.pk, fields={"to_state": "remedied"}, reason="x")
    with pytest.raises(InvalidDataError):
        audit_redact(
            model=TransitionLog, pk=log.pk, fields={"reason": "", "transition": "x"}, reason="x"
        )
    with pytest.raises(InvalidDataError):
        audit_redact(model=TransitionLog, pk=log.pk, fields={"reason": ""}, reason=" ")
    with pytest.raises(NotFoundError):
        audit_redact(model=TransitionLog, pk=log.pk + 999, fields={"reason": ""}, reason="x")
    assert _row(log) == before
    assert not AuditRedaction.objects.exists()


def _rule_changed(manager) -> AuthorityRuleChange:
    from compensation.models import AuthorityRule

    rule = AuthorityRule.objects.get(role="frontline", kind="gift")
    compensation_services.authority_rule_save(
        actor=manager,
        data={
            "role": rule.role,
            "kind": rule.kind,
            "max_per_grant": "9",
            "max_per_complaint": "9",
            "max_per_customer_30d": "9",
            "currency": rule.currency,
        },
        rule_id=rule.pk,
    )
    return AuthorityRuleChange.objects.get(rule=rule)


def _remedy(complaint, actor, amount: str) -> CompensationRequest:
    result = compensation_services.complaint_remedy_with_compensation(
        complaint_id=complaint.pk,
        actor=actor,
        message="We refund you.",
        root_cause="Packer forgot the opener",
        outcome="upheld",
        items=[{"kind": "refund", "amount": amount}],
    )
    return result.requests[0]


@pytest.mark.django_db
def test_rule_change_log_is_guarded_the_same_way(manager):
    change = _rule_changed(manager)
    with pytest.raises(AppendOnlyError):
        AuthorityRuleChange.objects.filter(pk=change.pk).update(after={})
    with pytest.raises(AppendOnlyError):
        AuthorityRuleChange(pk=change.pk, action="x", actor_label="forger").save()
    assert AuthorityRuleChange.objects.get(pk=change.pk).after == change.after


# --- the triggers (PostgreSQL) -----------------------------------------------------------------


def _refused_sql(sql: str, params=()) -> None:
    with pytest.raises(DatabaseError, match="append-only"):
        with transaction.atomic(), connection.cursor() as cursor:
            if sql.startswith("TRUNCATE"):
                # The test's own inserts leave deferred FK checks pending, and PostgreSQL
                # refuses any TRUNCATE then: run them now so the trigger is what answers.
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(sql, params)


@pytest.mark.postgres
@pytest.mark.django_db
def test_raw_sql_update_delete_truncate_are_refused(log, frontline, manager):
    _rule_changed(manager)
    c = complaint_in("apologized")
    _remedy(c, frontline, "3.50")
    audit_redact(model=TransitionLog, pk=log.pk, fields={"reason": ""}, reason="erasure")
    tables = {
        "complaints_transitionlog": TransitionLog,
        "compensation_authorityrulechange": AuthorityRuleChange,
        "compensation_compensationrequest": CompensationRequest,
        "core_auditredaction": AuditRedaction,
    }
    counts = {table: model.objects.count() for table, model in tables.items()}
    assert all(counts.values())
    before = _row(log)
    _refused_sql("UPDATE complaints_transitionlog SET reason = 'x' WHERE id = %s", [log.pk])
    _refused_sql("UPDATE complaints_transitionlog SET to_state = 'remedied'")
    _refused_sql("UPDATE compensation_authorityrulechange SET after = '{}'")
    _refused_sql("UPDATE compensation_compensationrequest SET amount = 0")
    _refused_sql("UPDATE core_auditredaction SET fields = '[]'")
    for table in tables:
        _refused_sql(f"DELETE FROM {table}")
        _refused_sql(f"TRUNCATE {table} CASCADE")
    assert _row(log) == before
    assert counts == {table: model.objects.count() for table, model in tables.items()}


@pytest.mark.postgres
@pytest.mark.django_db
def test_orm_paths_around_the_model_guard_are_refused_by_the_trigger(log):
    """A plain queryset (no guard) and a bulk upsert built by hand reach the table: the
    trigger refuses them."""
    from django.db.models import QuerySet

    before = _row(log)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        QuerySet(TransitionLog).filter(pk=log.pk).update(reason="rewritten")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        QuerySet(TransitionLog).filter(pk=log.pk)._raw_delete(connection.alias)
    forged = TransitionLog(
        pk=log.pk, complaint_id=log.complaint_id, transition="x", actor_label="forger"
    )
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        QuerySet(TransitionLog).bulk_create(
            [forged], update_conflicts=True, unique_fields=["id"], update_fields=["transition"]
        )
    assert _row(log) == before


@pytest.mark.postgres
@pytest.mark.django_db
def test_in_a_redaction_sql_may_change_only_the_declared_text_columns(log):
    before = _row(log)
    with pytest.raises(DatabaseError, match="append-only"):
        with audit_redaction(reason="erasure"), connection.cursor() as cursor:
            cursor.execute(
                "UPDATE complaints_transitionlog SET reason = '', to_state = 'remedied' "
                "WHERE id = %s",
                [log.pk],
            )
    with pytest.raises(DatabaseError, match="append-only"):
        with audit_redaction(reason="erasure"), connection.cursor() as cursor:
            cursor.execute("DELETE FROM complaints_transitionlog WHERE id = %s", [log.pk])
    with transaction.atomic():
        with audit_redaction(reason="erasure"), connection.cursor() as cursor:
            cursor.execute(
                "UPDATE complaints_transitionlog SET actor_label = '[redacted]' WHERE id = %s",
                [log.pk],
            )
        # Left the window, same transaction: refused again.
        _refused_sql("UPDATE complaints_transitionlog SET reason = 'x' WHERE id = %s", [log.pk])
    after = _row(log)
    assert after[4] == "[redacted]" and after[:4] == before[:4] and after[5:] == before[5:]


@pytest.mark.postgres
@pytest.mark.django_db
def test_a_decided_compensation_request_is_frozen_a_pending_one_is_not(frontline, manager):
    c = complaint_in("apologized")
    req = _remedy(c, frontline, "400")
    assert req.status == Status.PENDING
    compensation_services.compensation_approve(request_id=req.pk, actor=manager, note="ok")
    req.refresh_from_db()
    assert req.status == Status.APPROVED
    _refused_sql("UPDATE compensation_compensationrequest SET amount = 1 WHERE id = %s", [req.pk])
    _refused_sql(
        "UPDATE compensation_compensationrequest SET status = 'rejected' WHERE id = %s", [req.pk]
    )
    audit_redact(
        model=CompensationRequest,
        pk=req.pk,
        fields={"decision_note": "", "remedy_message": "[redacted]"},
        reason="erasure",
    )
    req2 = CompensationRequest.objects.get(pk=req.pk)
    assert (req2.amount, req2.status, req2.remedy_message) == (
        req.amount,
        Status.APPROVED,
        "[redacted]",
    )
    # A merge moves a request to the surviving complaint without a redaction.
    other = complaint_new()
    CompensationRequest.objects.filter(pk=req.pk).update(complaint=other)
    assert CompensationRequest.objects.get(pk=req.pk).complaint_id == other.pk


@pytest.mark.django_db
def test_the_redaction_log_is_read_only_in_the_admin(log, manager, frontline):
    from django.test import Client

    audit_redact(model=TransitionLog, pk=log.pk, fields={"reason": ""}, reason="erasure 7")
    client = Client()
    client.force_login(manager)
    page = client.get("/admin/core/auditredaction/")
    assert page.status_code == 200 and "erasure 7" in page.content.decode()
    entry = AuditRedaction.objects.get()
    assert client.post(f"/admin/core/auditredaction/{entry.pk}/delete/").status_code == 403
    client.force_login(frontline)
    assert client.get("/admin/core/auditredaction/").status_code == 403
