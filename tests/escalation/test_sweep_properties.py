"""Properties of the deadline sweep: its outcome depends neither on the batch size nor on how
many sweepers run at once.

Complaints are built from a spec (state, tier, lapsed deadlines, maybe one running deadline),
swept, and the outcome is snapshotted without ids: per complaint its state, tier, level, the
escalate/raise_level log rows, its deadlines' statuses, its outbox mail and events.
"""

from __future__ import annotations

import contextlib
import dataclasses
import random
import threading
from collections import Counter
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from complaints.models import Complaint, TransitionLog
from escalation.models import Deadline
from escalation.services import SWEEP_LABEL, complaint_next_due_refresh, deadline_sweep, notify
from tests import factories
from webhooks.models import OutboxEvent, OutboxMail

STATES = ("venting", "acknowledged", "apologized", "escalated")
TIERS = ("frontline", "team_lead", "manager")
KINDS = ("first_response", "resolution", "promise", "approval")
BATCH_SIZES = (1, 2, 7, 1000)


@pytest.fixture
def tiers(db):
    """Someone in every tier with an address, so every breach and warning has a recipient."""
    return [
        factories.UserFactory(username="sp_fl", groups=["frontline"], email="fl@sp.test"),
        factories.UserFactory(username="sp_lead", groups=["team_lead"], email="lead@sp.test"),
        factories.UserFactory(username="sp_mgr", groups=["manager"], email="mgr@sp.test"),
    ]


# --- specs ----------------------------------------------------------------------------------

complaint_specs = st.fixed_dictionaries(
    {
        "state": st.sampled_from(STATES),
        "tier": st.sampled_from(TIERS),
        # (kind, minutes overdue): few distinct minutes, so due times tie across complaints
        "lapsed": st.lists(
            st.tuples(st.sampled_from(KINDS), st.integers(1, 4)), min_size=1, max_size=3
        ),
        # a deadline still running: None, or (kind, already in its warning window)
        "running": st.none() | st.tuples(st.sampled_from(KINDS), st.booleans()),
    }
)
specs = st.lists(complaint_specs, min_size=1, max_size=8)


def random_spec(rng: random.Random, n: int) -> list[dict]:
    """A spec like `specs` draws, from a seeded generator (for the threaded test)."""
    return [
        {
            "state": rng.choice(STATES),
            "tier": rng.choice(TIERS),
            "lapsed": [(rng.choice(KINDS), rng.randint(1, 4)) for _ in range(rng.randint(1, 3))],
            "running": rng.choice([None, (rng.choice(KINDS), rng.random() < 0.5)]),
        }
        for _ in range(n)
    ]


def build(spec: list[dict], *, now, tag: str) -> list[int]:
    """The spec's complaints, with exactly the spec's deadlines; `next_due_at` follows."""
    ids, rows = [], []
    for i, s in enumerate(spec):
        c = factories.complaint_in(s["state"], subject=f"{tag} {i}")
        Deadline.objects.filter(complaint=c).delete()
        # Test data: the spec's tier, which no service sets sideways.
        Complaint.objects.filter(pk=c.pk).update(tier=s["tier"])
        for kind, minutes in s["lapsed"]:
            due = now - timedelta(minutes=minutes)
            rows.append(
                Deadline(
                    complaint=c,
                    kind=kind,
                    started_at=due - timedelta(hours=4),
                    due_at=due,
                    warn_at=due - timedelta(hours=1),
                )
            )
        if s["running"]:
            kind, warning = s["running"]
            rows.append(
                Deadline(
                    complaint=c,
                    kind=kind,
                    started_at=now - timedelta(hours=1),
                    due_at=now + timedelta(hours=1),
                    warn_at=now + timedelta(minutes=-5 if warning else 30),
                )
            )
        ids.append(c.pk)
    Deadline.objects.bulk_create(rows)
    complaint_next_due_refresh(complaint_ids=ids)
    return ids


def snapshot(ids: list[int], *, now) -> list[dict]:
    """The sweep's outcome per complaint (in spec order), free of ids and references."""
    complaints = Complaint.objects.in_bulk(ids)
    mails = list(OutboxMail.objects.values_list("subject", "to"))
    out = []
    for cid in ids:
        c = complaints[cid]
        steps = Counter(
            TransitionLog.objects.filter(
                complaint_id=cid,
                transition__in=["escalate", "raise_level"],
                actor_label=SWEEP_LABEL,
            ).values_list("transition", flat=True)
        )
        deadlines = sorted(
            (d.kind, d.status, d.due_at - now, d.breached_at == now, d.warned_at == now)
            for d in Deadline.objects.filter(complaint_id=cid)
        )
        events = Counter(
            (e.type, e.payload.get("kind") or e.payload.get("transition"))
            for e in OutboxEvent.objects.filter(
                type__in=["deadline.breached", "deadline.warned", "complaint.transitioned"]
            )
            if e.payload.get("complaint_id") == cid
        )
        ref = f"{c.reference}:"
        out.append(
            {
                "state": c.state,
                "tier": c.tier,
                "escalation_level": c.escalation_level,
                "escalated_from": c.escalated_from,
                "next_due_at": c.next_due_at - now if c.next_due_at else None,
                "escalate": steps["escalate"],
                "raise_level": steps["raise_level"],
                "deadlines": deadlines,
                "events": sorted(events.items()),
                "mails": sorted(
                    (subject.replace(c.reference, "<ref>"), tuple(to))
                    for subject, to in mails
                    if ref in subject
                ),
            }
        )
    return out


def totals(*results) -> dict:
    """What the sweeps say they did, summed (the number of batches aside)."""
    fields = [f.name for f in dataclasses.fields(results[0]) if f.name != "batches"]
    return {name: sum(getattr(r, name) for r in results) for name in fields}


@contextlib.contextmanager
def rolled_back():
    """Run the block in a savepoint that is undone afterwards."""
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


# --- batch size ---------------------------------------------------------------------------


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(spec=specs)
def test_the_outcome_does_not_depend_on_the_batch_size(tiers, spec):
    # A time ahead, as the other properties use: a sweep for a past cutoff dates its rows at the
    # real clock (sweep._stamp), which moves between the batch sizes compared here.
    now = timezone.now().replace(microsecond=0) + timedelta(minutes=10)
    outcomes = {}
    with rolled_back():
        ids = build(spec, now=now, tag="spec")
        for size in BATCH_SIZES:
            with rolled_back():
                result = deadline_sweep(batch_size=size, now=now)
                outcomes[size] = (snapshot(ids, now=now), totals(result))
    first, *others = outcomes.values()
    for size, outcome in zip(BATCH_SIZES[1:], others, strict=True):
        assert outcome == first, f"batch size {size} differs from {BATCH_SIZES[0]}"
    # every complaint had a lapsed deadline: each was escalated or raised exactly once
    state, result = first
    for s, c in zip(spec, state, strict=True):
        assert c["state"] == "escalated"
        assert c["escalate"] + c["raise_level"] == 1
        assert c["raise_level"] == (s["state"] == "escalated")
        assert c["escalation_level"] == (2 if s["state"] == "escalated" else 1)
    assert result["escalated"] + result["raised"] == len(spec)
    assert result["breached"] == sum(len(s["lapsed"]) for s in spec)


# --- concurrent sweepers (PostgreSQL: row locks, SKIP LOCKED) -----------------------------


def _sweep_concurrently(*, sweepers: int, batch_size: int, now) -> list:
    barrier = threading.Barrier(sweepers)
    results, errors = [], []

    def worker():
        try:
            barrier.wait()
            results.append(deadline_sweep(batch_size=batch_size, now=now))
        except Exception as e:  # pragma: no cover - reported below
            errors.append(e)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(sweepers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    return results


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("seed", [3, 11])
def test_two_concurrent_sweepers_end_where_one_sweeper_does(seeded, tiers, seed):
    spec = random_spec(random.Random(seed), 24)
    # One instant for both sweeps, after both builds: the first sweep's new clocks run past it,
    # so the second sweep finds only the second build's lapsed deadlines.
    now = timezone.now().replace(microsecond=0) + timedelta(minutes=10)

    alone_ids = build(spec, now=now, tag="alone")
    alone_results = _sweep_concurrently(sweepers=1, batch_size=3, now=now)
    alone = snapshot(alone_ids, now=now)

    together_ids = build(spec, now=now, tag="together")
    together_results = _sweep_concurrently(sweepers=2, batch_size=3, now=now)
    together = snapshot(together_ids, now=now)

    for i, (one, two) in enumerate(zip(alone, together, strict=True)):
        differ = {k: (one[k], two[k]) for k in one if one[k] != two[k]}
        assert differ == {}, (i, spec[i], differ)
    assert totals(*together_results) == totals(*alone_results)
    assert snapshot(alone_ids, now=now) == alone  # the second sweep left the first set alone
    assert sum(c["escalate"] + c["raise_level"] for c in together) == len(spec)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_warning_during_a_concurrent_escalation_goes_to_the_tier_that_holds_it(
    seeded, tiers, monkeypatch
):
    """One sweeper escalates a complaint (frontline → team_lead) and is held before commit;
    meanwhile a second sweeper warns the same complaint's running resolution deadline. One
    sweeper alone breaches before it warns, so the warning goes to the team lead; the second
    sweeper must not address the tier the complaint is leaving."""
    now = timezone.now().replace(microsecond=0) + timedelta(minutes=10)
    spec = [
        {
            "state": "apologized",
            "tier": "frontline",
            "lapsed": [("first_response", 1)],
            "running": ("resolution", True),
        }
    ]
    (cid,) = build(spec, now=now, tag="race")
    inside, release = threading.Event(), threading.Event()
    tier_emails = notify.tier_emails

    def held(*, tiers):
        """The first caller (the escalating sweep, after its writes, before its commit)
        waits here until the other sweep has run."""
        members = tier_emails(tiers=tiers)
        if not inside.is_set():
            inside.set()
            release.wait(timeout=30)
        return members

    monkeypatch.setattr(notify, "tier_emails", held)
    results, errors = [], []

    def escalating():
        try:
            results.append(deadline_sweep(now=now))
        except Exception as e:  # pragma: no cover - reported below
            errors.append(e)
        finally:
            connection.close()

    thread = threading.Thread(target=escalating)
    thread.start()
    try:
        assert inside.wait(timeout=30)
        results.append(deadline_sweep(now=now))
    finally:
        release.set()
        thread.join()
    assert errors == []
    assert totals(*results)["escalated"] == 1 and totals(*results)["warned"] == 1
    c = Complaint.objects.get(pk=cid)
    assert (c.state, c.tier, c.assignee_id) == ("escalated", "team_lead", None)
    warnings = [
        sorted(to)
        for subject, to in OutboxMail.objects.values_list("subject", "to")
        if c.reference in subject and subject.endswith("is near")
    ]
    assert warnings == [["lead@sp.test"]]
