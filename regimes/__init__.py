"""Regulated complaint handling (DESIGN §11): regimes as data, and their clocks that never pause.

A `Regime` (none, uk_fca_disp, eu_psd2, us_cfpb, … seeded by a migration, edited by managers in
admin, every edit logged as a `RegimeChange`) names its jurisdiction's holiday calendar, its
records retention and its ombudsman, and has `RegimeClock`s: legal time limits counted in
calendar or business days from receipt, with a warning before each and the events that stop it.
A category is put under a regime by a `RegimeAssignment` row (no row: the `none` regime).

The clocks are deadline rows of their own kinds in escalation's `Deadline` table
(`reg_final_response`, `reg_holding_reply`, `reg_summary_window`), written by escalation's
services in the engine's transaction at intake; pause, resume and waiting for the customer leave
them alone, and only the events the regime names stop them (`regime_clock_stop`).

Layered at the top, just under ops: it imports privacy (the retention hook), portal (nothing
but its steps' names), escalation and complaints, and reacts to them only through the hooks
they declare (engine reactions, `complaints.extensions`, `privacy.retention.retention_source`);
nothing below imports it.
"""
