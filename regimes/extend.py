"""What the regimes app registers at start-up with the apps below it (see `regimes.apps`):

- engine reactions: intake starts the legal clocks; remedy, approve and set_limits are the
  `closing` event, the portal's `remedy_accept` the customer's `written_acceptance` — each
  meets the clocks whose regime names that event, in the change's own transaction;
- privacy's retention source: a regime's complaints are kept its retention years;
- the demo's stories (`regimes.demo`) through `load_demo`'s `demo_loaded` signal;
- complaints' extension points: the regime panel on the admin complaint page and the
  `regime` section of the API complaint detail.
"""

from __future__ import annotations

from compensation.management.demo_history import demo_loaded
from complaints import extensions, reactions
from privacy.retention import retention_source
from regimes import admin, demo, selectors, services
from regimes.models import StopEvent
from regimes.serializers import RegimeOut, regime_section


def register() -> None:
    reactions.reaction("intake", name="regimes.clocks")(
        lambda changes: services.regime_clocks_on_intake(changes=changes)
    )
    reactions.reaction("remedy", "approve", "set_limits", name="regimes.clocks")(
        lambda changes: services.regime_clocks_on_event(changes=changes, event=StopEvent.CLOSING)
    )
    reactions.reaction("remedy_accept", name="regimes.clocks")(
        lambda changes: services.regime_clocks_on_event(
            changes=changes, event=StopEvent.WRITTEN_ACCEPTANCE
        )
    )
    retention_source(selectors.regime_retention_rules)
    demo_loaded.connect(demo.regimes_demo_load, weak=False, dispatch_uid="regimes.demo")
    extensions.complaint_panel(admin.complaint_regime_panel)
    extensions.detail_section("regime", serializer=RegimeOut)(
        lambda complaint, user: regime_section(complaint_id=complaint.pk)
    )
