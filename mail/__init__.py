"""Customer email (DESIGN §9): every public staff message is mailed to the customer.

The top of the dependency chain: may import compensation, escalation, complaints, webhooks, api
and core; nothing imports it. It joins the engine only through `complaints.reactions`
(`public_messages`) and `complaints.extensions` (the complaint page's panel).
"""
