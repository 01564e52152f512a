"""Outbound webhooks: a transactional outbox, signed deliveries, retries, a delivery log.

Infrastructure beside the domain apps: complaints, escalation and compensation record events here
inside their own transactions. It imports only the dependency-free `complaints.errors` and
`complaints.roles` (for the one error family and the role check), never services or models of
the domain apps.
"""
