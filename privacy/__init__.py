"""Personal data (DESIGN §12): anonymising a customer, the subject-access export, retention.

The top domain app: it knows where every app keeps a customer's personal data (complaints,
compensation, mail) and removes or exports it through one service each. It writes audit rows
only through `core.audit.audit_redact`. Nothing below it imports it (import-linter layers:
config → privacy → mail → ...).
"""
