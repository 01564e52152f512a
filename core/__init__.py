"""Shared plumbing every app may use: errors, roles, database helpers, the append-only audit
guard and its one sanctioned redaction (`core.audit`), and the second-factor rule (`core.otp`).
A Django app only for the redaction log's table. Imports no app of the project."""
