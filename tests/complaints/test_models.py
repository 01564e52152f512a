"""Model-level guarantees: the protected state field and the append-only audit trail."""

import pytest

from complaints.models import AppendOnlyError, TransitionLog
from tests.factories import complaint_new


@pytest.mark.django_db
def test_state_cannot_be_assigned_directly():
    c = complaint_new()
    with pytest.raises(AttributeError):
        c.state = "remedied"


@pytest.mark.django_db
def test_transition_log_rows_cannot_be_changed_or_deleted():
    c = complaint_new()
    log = TransitionLog.objects.get(complaint=c)
    log.reason = "rewritten"
    with pytest.raises(AppendOnlyError):
        log.save()
    with pytest.raises(AppendOnlyError):
        log.delete()
    with pytest.raises(AppendOnlyError):
        TransitionLog.objects.filter(pk=log.pk).update(reason="rewritten")
    with pytest.raises(AppendOnlyError):
        TransitionLog.objects.filter(pk=log.pk).delete()
    assert TransitionLog.objects.get(pk=log.pk).reason == ""


@pytest.mark.django_db
def test_complaint_with_history_cannot_be_deleted():
    from django.db.models import ProtectedError

    c = complaint_new()
    with pytest.raises(ProtectedError):
        c.delete()
