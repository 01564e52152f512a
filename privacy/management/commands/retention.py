"""`manage.py retention [--dry-run]`: anonymise the customers retention says are due.

`--dry-run` prints each due customer (id, their complaints, when the last one closed) and
changes nothing; without it the same customers are anonymised, as beat does daily.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand

from privacy import retention


class Command(BaseCommand):
    help = "Anonymise customers past their retention period; --dry-run only lists them."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="List, change nothing.")
        parser.add_argument("--batch-size", type=int, default=None)

    def handle(self, *args, dry_run: bool = False, batch_size: int | None = None, **options):
        report = retention.retention_run(batch_size=batch_size, dry_run=dry_run)
        if dry_run:
            for customer_id, references, closed in report.rows:
                when = closed.isoformat() if closed else "-"
                refs = ", ".join(references) or "no complaints"
                self.stdout.write(f"would anonymise customer {customer_id}: {refs}; closed {when}")
            self.stdout.write(f"{report.due} customers would be anonymised")
            return
        self.stdout.write(
            f"{report.anonymised} customers anonymised ({report.skipped} skipped: reopened)"
        )
