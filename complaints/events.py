"""Domain events of the complaints app, sent only after the transaction commits.

Higher apps (escalation, compensation) connect receivers that each call one service; that is the
only way this app tells them anything. Every signal passes plain ids and strings, never model
instances, so receivers reload what they need inside their own transaction.
"""

from django.dispatch import Signal

# complaint_id, actor_id
complaint_created = Signal()
# complaint_id, transition, from_state, to_state, actor_id, log_id, payload
complaint_transitioned = Signal()
# complaint_id, actor_id, paused (bool), until (datetime | None)
complaint_paused = Signal()
complaint_resumed = Signal()
# complaint_id, message_id, visibility, actor_id
message_added = Signal()
# complaint (locked instance), promised_by — sent synchronously by complaint_acknowledge inside its
# transaction before anything is written; a receiver refuses the promise by raising a DomainError.
validate_promise = Signal()
