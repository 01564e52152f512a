"""`manage.py check_invariants [--repair]`: check the engine's invariants (DESIGN §2a).

Prints every violation and a one-line summary; exits non-zero while any violation remains.
With `--repair` it first repairs what is safe to repair (escalation.invariants) and checks again.
CI runs it after loading the demo; beat runs the same check with repair hourly.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from escalation import invariants


class Command(BaseCommand):
    help = "Check the engine's invariants; with --repair, first repair what is safe to repair."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--repair",
            action="store_true",
            help="Start missing deadlines and recompute wrong next_due_at, then check again.",
        )

    def handle(self, *args, repair: bool = False, **options) -> None:
        if repair:
            run = invariants.invariants_enforce()
            for violation in run.found:
                self.stdout.write(f"found: {violation}")
            for violation in run.repaired:
                self.stdout.write(f"repaired: {violation}")
            checked, remaining = run.checked, run.remaining
            repaired = f" ({len(run.repaired)} repaired)" if run.found else ""
            prefix = "remains: "
        else:
            check = invariants.invariants_check()
            checked, remaining, repaired, prefix = check.checked, check.violations, "", ""
        for violation in remaining:
            self.stdout.write(f"{prefix}{violation}")
        summary = f"checked {checked} complaints: {len(remaining)} violations{repaired}"
        if remaining:
            raise CommandError(summary)
        self.stdout.write(self.style.SUCCESS(summary))
