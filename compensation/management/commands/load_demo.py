"""`manage.py load_demo`: demo users and the demo complaints (DESIGN §7), idempotently.

It lives in the compensation app, the top of the dependency chain, because the demo walks
complaints through every app's services. Every demo complaint carries an `external_id`, so a
second run finds it and changes nothing; users are created once with `DEMO_PASSWORD`.

The present-day stories (the coconut, the espresso refund...) are filed first, so their
references stay as the README and the browser tests know them; then `demo_history` walks about
fifty complaints through the last 30 days, ending a minute before this command started.

The remedied coconut story starts as a real email (`demo/coconut.eml`, filed through inbound
mail's ingest service by `demo_mail`): a second run finds it by its Message-ID instead.
"""

from __future__ import annotations

import os
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from compensation.management.demo_history import demo_loaded, history_load
from compensation.management.demo_mail import COCONUT_EML, demo_mail_deliver
from complaints import services as cs

DEMO_USERS = (
    # username, group, first name, last name, superuser
    ("frontline", "frontline", "Fran", "Front", False),
    ("frontline2", "frontline", "Felix", "Floor", False),
    ("lead", "team_lead", "Lea", "Lead", False),
    ("manager", "manager", "Max", "Manager", False),
    ("admin", None, "Ada", "Admin", True),
    ("shop", "integration", "Shop", "Integration", False),
)

COCONUT_WORDS = (
    "I ordered 4 young coconuts and the listing clearly promised a coconut opener with them. "
    "The parcel came WITHOUT the opener. Your shop has really taken me for a ride! "
    "How am I supposed to open them now?"
)


# What each demo customer asks for (DESIGN §10): (customer_request, in their words); the ones not
# listed did not say (the late parcel).
DEMO_ASKS = {
    "demo-coconut": ("replacement", "The opener the listing promised"),
    "demo-wrong-size": ("replacement", "Size 39, please"),
    "demo-double-charge": ("refund", "The second charge back"),
    "demo-broken-vase": ("replacement", ""),
    "demo-rude-driver": ("apology", "An apology from the driver"),
    "demo-cold-soup": ("refund", ""),
    "demo-missing-manual": ("other", "The manual as a PDF"),
    "demo-fridge": ("repair", "Repair or a new fridge, and the spoiled food paid"),
    "demo-refund-wait": ("refund", "The refund I was promised"),
    "demo-abusive": ("other", "1000 EUR"),
    "demo-reopened": ("explanation", "Why the replacement is late too"),
    "demo-coconut-remedied": ("replacement", "The opener the listing promised"),
    "demo-refund-400": ("refund", "My 400 EUR back"),
}


class Command(BaseCommand):
    help = "Create the demo users and complaints (safe to run twice)."

    def handle(self, *args, **options) -> None:
        started = timezone.now()
        password = os.environ.get("DEMO_PASSWORD", "demo")
        users = {}
        for username, group, first, last, superuser in DEMO_USERS:
            users[username] = self._user(username, group, first, last, superuser, password)
        created = self._complaints(users)
        created += self._compensation_stories(users)
        created += history_load(users=users, end=started - timedelta(minutes=1))
        # Apps above compensation (regimes) add their stories; it cannot import them.
        created += sum(n or 0 for _r, n in demo_loaded.send(sender=Command, users=users))
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo ready: {created} complaint(s) created; log in as frontline, lead or "
                "manager (password from DEMO_PASSWORD, default 'demo')."
            )
        )

    def _user(self, username, group, first, last, superuser, password):
        User = get_user_model()
        user, created = User.objects.get_or_create(
            username=username,
            defaults={
                "first_name": first,
                "last_name": last,
                "email": f"{username}@redress.example",
                "is_staff": group != "integration",
                "is_superuser": superuser,
            },
        )
        if created:
            user.set_password(password)
            user.save(update_fields=["password"])
            if group:
                user.groups.add(Group.objects.get(name=group))
        return user

    def _complaints(self, users) -> int:
        fl, fl2, shop = users["frontline"], users["frontline2"], users["shop"]
        soon = lambda hours: timezone.now() + timedelta(hours=hours)  # noqa: E731
        stories = [
            # external_id, name, email, category, severity, subject, words, steps
            (
                "demo-coconut",
                "Cora Nutley",
                "cora@example.com",
                "missing_item",
                "normal",
                "Coconut opener missing from my order of 4 young coconuts",
                COCONUT_WORDS,
                [],
            ),
            (
                "demo-late-parcel",
                "Peter Parcel",
                "peter@example.com",
                "delivery",
                "normal",
                "Parcel two weeks late",
                "My parcel is two weeks late and nobody answers.",
                [],
            ),
            (
                "demo-wrong-size",
                "Wanda Wear",
                "wanda@example.com",
                "product",
                "low",
                "Wrong size shoes",
                "I ordered size 39 and got 41.",
                ["ack"],
            ),
            (
                "demo-double-charge",
                "Bill Billing",
                "bill@example.com",
                "billing",
                "high",
                "Charged twice",
                "You charged my card twice for order 5521!",
                ["ack"],
            ),
            (
                "demo-broken-vase",
                "Vera Vase",
                "vera@example.com",
                "damaged",
                "normal",
                "Vase arrived broken",
                "The vase arrived in pieces.",
                ["ack", "apo"],
            ),
            (
                "demo-rude-driver",
                "Dan Driver",
                "dan@example.com",
                "service",
                "normal",
                "Rude delivery driver",
                "The driver threw the parcel over my fence.",
                ["ack", "apo"],
            ),
            (
                "demo-cold-soup",
                "Sam Soup",
                "sam@example.com",
                "product",
                "low",
                "Soup arrived cold",
                "The soup was cold.",
                ["ack", "apo", "rem"],
            ),
            (
                "demo-missing-manual",
                "Mia Manual",
                "mia@example.com",
                "missing_item",
                "low",
                "Manual missing",
                "No manual in the box.",
                ["ack", "apo", "rem"],
            ),
            (
                "demo-fridge",
                "Fred Fridge",
                "fred@example.com",
                "damaged",
                "critical",
                "Fridge stopped working after a week",
                "My new fridge died, all my food spoiled.",
                ["ack", "esc"],
            ),
            (
                "demo-refund-wait",
                "Rita Refund",
                "rita@example.com",
                "billing",
                "high",
                "Still waiting for my refund",
                "I returned the item a month ago.",
                ["esc"],
            ),
            (
                "demo-abusive",
                "Axel Angry",
                "axel@example.com",
                "service",
                "high",
                "Demands and threats",
                "Give me 1000 EUR or I will ruin you online.",
                ["ack", "lim"],
            ),
            (
                "demo-reopened",
                "Olga Open",
                "olga@example.com",
                "delivery",
                "normal",
                "Replacement also late",
                "The replacement is late too.",
                ["ack", "apo", "rem", "reo"],
            ),
        ]
        created_count = 0
        for ext, name, email, category, severity, subject, words, steps in stories:
            with transaction.atomic():
                complaint, created = cs.complaint_intake(
                    customer_name=name,
                    customer_email=email,
                    subject=subject,
                    description=words,
                    channel="email",
                    category=category,
                    severity=severity,
                    customer_request=DEMO_ASKS.get(ext, ("", ""))[0],
                    customer_request_detail=DEMO_ASKS.get(ext, ("", ""))[1],
                    external_id=ext,
                    actor=shop,
                )
                if not created:
                    continue
                created_count += 1
                cid = complaint.pk
                for step in steps:
                    if step == "ack":
                        cs.complaint_acknowledge(
                            complaint_id=cid,
                            actor=fl,
                            summary=f"Key points: {subject}.",
                            message="I understand how annoying this is; thank you for telling us.",
                            promised_by=soon(48),
                            summary_confirmed=True,
                        )
                    elif step == "apo":
                        cs.complaint_apologize(
                            complaint_id=cid,
                            actor=fl,
                            fault="company",
                            message="I am sorry — this was our mistake.",
                        )
                    elif step == "rem":
                        cs.complaint_remedy(
                            complaint_id=cid,
                            actor=fl,
                            root_cause="Packing checklist skipped",
                            message="We are sending a replacement right away.",
                            outcome="upheld",
                        )
                    elif step == "esc":
                        cs.complaint_escalate(
                            complaint_id=cid,
                            actor=fl2,
                            reason="Beyond what frontline can settle; needs a lead.",
                        )
                    elif step == "lim":
                        cs.complaint_set_limits(
                            complaint_id=cid,
                            actor=fl,
                            reason="Threats after three offers; alternatives exhausted.",
                            message="We have made every offer we can; we will close this now.",
                            outcome="not_upheld",
                            outcome_reason="The order arrived as described; the demand for "
                            "1000 EUR has no basis in what happened.",
                        )
                    elif step == "reo":
                        cs.complaint_reopen(
                            complaint_id=cid, actor=shop, message="The replacement is late too!"
                        )
        return created_count

    # --- compensation stories (issue 3) ------------------------------------------------------

    def _compensation_stories(self, users) -> int:
        """The coconut story remedied within frontline authority, and a 400 EUR refund waiting
        in the manager's queue. Idempotent through external_id like the stories above."""
        from compensation.services import complaint_remedy_with_compensation

        fl, shop = users["frontline"], users["shop"]
        soon = timezone.now() + timedelta(hours=48)
        stories = [
            (
                "demo-coconut-remedied",
                "Coco Palmer",
                "coco@example.com",
                "missing_item",
                "Coconut opener missing (4 young coconuts)",
                COCONUT_WORDS,
                "I understand — I once bought something that arrived incomplete too.",
                "I am sorry: the packer forgot the opener. That was our mistake.",
                "We send you the opener by express today, and one extra young coconut as an "
                "apology.",
                "Packer forgot the opener",
                [
                    {
                        "kind": "replacement",
                        "amount": "14.90",
                        "note": "Coconut opener, sent by express",
                    },
                    {"kind": "gift", "amount": "3.50", "note": "One young coconut"},
                ],
            ),
            (
                "demo-refund-400",
                "Ravi Return",
                "ravi@example.com",
                "damaged",
                "Espresso machine broke on day three",
                "My espresso machine (400 EUR) broke after three days. I want my money back.",
                "I understand how frustrating a broken machine is after three days.",
                "I am sorry — the machine was faulty; that is on us.",
                "We refund the full 400 EUR.",
                "Faulty batch from supplier",
                [{"kind": "refund", "amount": "400.00", "note": "Full refund of the machine"}],
            ),
        ]
        created_count = 0
        for ext, name, email, category, subject, words, ack, apo, rem, cause, items in stories:
            with transaction.atomic():
                if ext == "demo-coconut-remedied":
                    # The customer emailed in: her mail is ingested like any other, and the
                    # agent triages it (mail brings neither a category nor a stated request).
                    complaint, created = demo_mail_deliver(path=COCONUT_EML)
                    if created:
                        cs.complaint_update_details(
                            complaint_id=complaint.pk,
                            actor=fl,
                            category=category,
                            customer_request=DEMO_ASKS[ext][0],
                            customer_request_detail=DEMO_ASKS[ext][1],
                        )
                else:
                    complaint, created = cs.complaint_intake(
                        customer_name=name,
                        customer_email=email,
                        subject=subject,
                        description=words,
                        channel="email",
                        category=category,
                        customer_request=DEMO_ASKS[ext][0],
                        customer_request_detail=DEMO_ASKS[ext][1],
                        external_id=ext,
                        actor=shop,
                    )
                if not created:
                    continue
                created_count += 1
                cs.complaint_acknowledge(
                    complaint_id=complaint.pk,
                    actor=fl,
                    summary=f"Key points: {subject}.",
                    message=ack,
                    promised_by=soon,
                    # The customer confirms the key points on their own link (issue 12).
                    summary_confirmed=False,
                )
                cs.complaint_apologize(
                    complaint_id=complaint.pk, actor=fl, fault="company", message=apo
                )
                complaint_remedy_with_compensation(
                    complaint_id=complaint.pk,
                    actor=fl,
                    message=rem,
                    root_cause=cause,
                    outcome="upheld",
                    items=items,
                )
        return created_count
