"""Outcomes and redress/goodwill for what was recorded before they existed (DESIGN §10).

Compensation items: each kind's default nature (`compensation.decision.DEFAULT_NATURE`): refund,
replacement, shipping refund and store credit are redress; voucher and gift are goodwill.

Complaints (this app's migration, because only it knows both complaints and compensation):
- remedied, fault "shared": partly upheld — we admitted part of it;
- remedied, fault "customer" and no redress given: not upheld — a misunderstanding explained,
  nothing to put right;
- any other remedied complaint: upheld — it was put right (our fault, or fault not yet known
  but remedied);
- limit_set: not upheld — the interaction was ended, nothing was granted on the complaint;
- open complaints: no outcome (they get one when they close).
Reasons are the English sentences of `complaints.models.MIGRATED_REASONS`, which the screens show
translated. Pending requests (a remedy waiting for approval) get "upheld": the requester proposed
to put it right, and the approver may record another outcome.

Plain queryset updates, no TransitionLog rows: no state changes and no decision by anyone; the
log keeps the history as it happened. Reversing clears the outcomes (nature stays: its column
goes with 0004).
"""

from django.db import migrations

REDRESS_KINDS = ("refund", "replacement", "shipping_refund", "store_credit")
GOODWILL_KINDS = ("voucher", "gift")
GIVEN = ("granted", "approved")
REASON_LIMITS = "Recorded before outcomes existed: limits were set."
REASON_SHARED = "Recorded before outcomes existed: the fault was shared."
REASON_CUSTOMER = (
    "Recorded before outcomes existed: a misunderstanding on the customer's side, "
    "nothing put right."
)


def forward(apps, schema_editor):
    Request = apps.get_model("compensation", "CompensationRequest")
    Complaint = apps.get_model("complaints", "Complaint")
    Request.objects.filter(kind__in=REDRESS_KINDS).update(nature="redress")
    Request.objects.filter(kind__in=GOODWILL_KINDS).update(nature="goodwill")
    Request.objects.filter(status="pending", outcome="").update(outcome="upheld")

    closed = Complaint.objects.filter(outcome="")
    redressed = Request.objects.filter(status__in=GIVEN, nature="redress").values("complaint_id")
    closed.filter(state="limit_set").update(outcome="not_upheld", outcome_reason=REASON_LIMITS)
    remedied = closed.filter(state="remedied")
    remedied.filter(fault="shared").update(outcome="partly_upheld", outcome_reason=REASON_SHARED)
    remedied.filter(fault="customer").exclude(pk__in=redressed).update(
        outcome="not_upheld", outcome_reason=REASON_CUSTOMER
    )
    remedied.filter(outcome="").update(outcome="upheld")


def backward(apps, schema_editor):
    Complaint = apps.get_model("complaints", "Complaint")
    Request = apps.get_model("compensation", "CompensationRequest")
    Complaint.objects.exclude(outcome="").update(outcome="", outcome_reason="")
    Request.objects.exclude(outcome="").update(outcome="", outcome_reason="")


class Migration(migrations.Migration):
    dependencies = [
        ("compensation", "0004_outcome_nature"),
        ("complaints", "0019_outcome_fields"),
    ]

    operations = [migrations.RunPython(forward, backward)]
