"""The customer's side (DESIGN §10): the customer link and what the customer does through it.

A complaint's customer follows it on `/c/<token>/` without an account: the public timeline, the
promise in plain words, and the acts — confirm or correct the key-point summary, accept or
decline the remedy, rate the handling — which integrations may also do over the API.

Layered between mail and compensation: mail imports it (every customer mail carries the link);
it may import compensation, escalation, complaints, webhooks, api and core. It joins the
complaint only through their services (the engine fires reopen and escalate) and the extension
points `complaints.extensions` declares; it never writes a complaint's state itself.
"""
