"""Letters a regime requires (DESIGN §11; issue 14 part 3): acknowledgement, summary resolution,
holding reply and final response — written from managers' templates (per regime and language,
every edit logged) or free text, checked for their mandatory content before sending
(`letters.requirements`), sent as a public message (mailed by the mail app) with the letter as
a PDF attachment, logged (`Letter`), and meeting the regime clock they answer.

The top domain app below ops: it reads complaints, compensation, escalation and regimes and
calls their services; nothing but ops imports it (import-linter layers: ops → letters → privacy).
"""
