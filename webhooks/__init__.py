"""The outbox: webhook events and staff mail, written inside the domain apps' transactions and
delivered after commit (signed webhook deliveries with retries and a log; staff email).

Infrastructure below the domain apps: it imports only `core` (errors, roles, db helpers), never
services or models of complaints, escalation or compensation.
"""
