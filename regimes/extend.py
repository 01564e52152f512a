"""What the regimes app registers at start-up with the apps below it (see `regimes.apps`)."""

from __future__ import annotations


def register() -> None:
    """Filled as the clocks land (WIP)."""
