"""Print a complaint's customer link (issued if it has none): `manage.py customer_link
CMP-2026-000123`, or `--demo` for the demo's remedied coconut complaint (`make run` prints it)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from complaints import services as complaint_services
from complaints.models import Complaint
from portal import selectors, services

# The remedied coconut story arrives as the customer's own email (no external id): her address.
DEMO_CUSTOMER_EMAIL = "coco@example.com"


class Command(BaseCommand):
    help = "Print the customer's link of a complaint (by reference), issuing one if needed."

    def add_arguments(self, parser) -> None:
        parser.add_argument("reference", nargs="?", help="e.g. CMP-2026-000123")
        parser.add_argument(
            "--demo", action="store_true", help="The demo's remedied coconut complaint."
        )

    def handle(self, *args, reference: str | None = None, demo: bool = False, **options) -> None:
        found = (
            Complaint.objects.filter(customer__email=DEMO_CUSTOMER_EMAIL).order_by("pk")
            if demo
            else Complaint.objects.filter(reference=reference)
        )
        complaint_id = found.values_list("pk", flat=True).first()
        if complaint_id is None:
            raise CommandError("No such complaint: give its reference (or --demo after load_demo).")
        with transaction.atomic():
            complaint = complaint_services.complaint_lock(complaint_id)
            services.customer_links_ensure(complaint_ids=[complaint.pk])
        url = selectors.customer_url(complaint_id=complaint_id)
        self.stdout.write(f"{complaint.reference} customer link (no login): {url}")
