"""Outbound webhooks: a transactional outbox, signed deliveries, retries, a delivery log.

Infrastructure below the domain apps: complaints, escalation and compensation record events here
inside their own transactions; this app imports none of them.
"""
