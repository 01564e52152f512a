"""The complaint lifecycle: intake, the six-state workflow, timeline and audit trail.

The lowest app: it imports neither escalation nor compensation.
"""
