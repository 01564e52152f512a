"""Existing system notes and log reasons get their code (`complaints.notes`) where their English
text is recognised, so they too are read in each reader's language. Texts that match none of the
known shapes (anything a person wrote, a note in another language) keep no code and read as they
were. The stored text itself is never changed. Self-contained: the shapes are spelled out here,
as they were written before codes existed."""

import re

from django.db import migrations

_TIERS = {"frontline": "frontline", "team lead": "team_lead", "manager": "manager"}
_DEADLINES = {
    "first response": "first_response",
    "promise to the customer": "promise",
    "resolution": "resolution",
    "approval decision": "approval",
}
_MAIL_KINDS = {
    "Acknowledgement with its promise": "acknowledgement",
    "Apology": "apology",
    "Remedy": "remedy",
    "Final message (limits set)": "limit_set",
    "Reply": "reply",
}
_STEPS = ("remedy", "approve", "return", "set_limits")
_KINDS = {
    "refund": "refund",
    "replacement": "replacement",
    "store credit": "store_credit",
    "voucher": "voucher",
    "gift": "gift",
    "shipping refund": "shipping_refund",
}
_GRANTED = re.compile(r"(?P<kind>[a-z ]+) of (?P<amount>\S+ [A-Z]{3}): within (?P<role>[a-z ]+) authority\.")
_GRANTED_SUPERUSER = re.compile(r"(?P<kind>[a-z ]+) of (?P<amount>\S+ [A-Z]{3}): granted by superuser authority\.")

_BREACHED = re.compile(r"The (?P<kind>.+?) deadline \((?P<due_at>[^)]*)\) passed without an answer\.")
_LEFT = re.compile(r"the complaint left escalated by (?P<step>\w+)")
_ESCALATED = re.compile(r"(?P<verb>Escalated|Raised) to (?P<tier>[a-z ]+?): (?P<reason>.*)", re.S)
_LABELLED = {
    "Approved: ": "approved",
    "Returned with guidance: ": "returned",
    "Limits set: ": "limits_set",
}
_MAIL = [
    (
        "mail_bounced",
        re.compile(
            r"The customer did not get our email \((?P<kind>.+?)\): (?P<to>.+?) bounces \(the "
            r"customer's mail server reported a failed delivery: (?P<error>.*)\)\. Check the "
            r"address, and reach the customer another way\.",
            re.S,
        ),
    ),
    (
        "mail_refused",
        re.compile(
            r"The customer did not get our email \((?P<kind>.+?)\): the mail server refused it "
            r"for (?P<to>.+?) \((?P<error>.*)\)\. Check the address, and reach the customer "
            r"another way\.",
            re.S,
        ),
    ),
    (
        "mail_gave_up",
        re.compile(
            r"The customer did not get our email \((?P<kind>.+?)\) to (?P<to>.+?): it could not "
            r"be sent after (?P<attempts>\d+) attempts \(last error: (?P<error>.*)\)\. Reach the "
            r"customer another way\.",
            re.S,
        ),
    ),
]
_PHONE = re.compile(
    r"The customer gave another phone number: (?P<phone>.+?)\. It was not written to the "
    r"customer, whose stored contact data stay as they were; a team lead can change them on "
    r"the customer after checking the number\."
)
_REF = re.compile(
    r"The complaint came with external_ref (?P<ref>.+?), which was not linked to this customer "
    r"\(found by email address\)\. A team lead can link it on the customer after checking that "
    r"it is theirs\."
)


def reason_code(text: str) -> tuple[str, dict] | None:
    """The code and parameters of a log reason the system wrote, or None."""
    text = (text or "").strip()
    if text == "approval required":
        return "approval_required", {}
    if m := _LEFT.fullmatch(text):
        if m["step"] in _STEPS:
            return "left_escalated", {"step": m["step"]}
    if (m := _GRANTED.fullmatch(text)) and m["kind"] in _KINDS and m["role"] in _TIERS:
        params = {"kind": _KINDS[m["kind"]], "amount": m["amount"], "role": _TIERS[m["role"]]}
        return "compensation_granted", params
    if (m := _GRANTED_SUPERUSER.fullmatch(text)) and m["kind"] in _KINDS:
        return "compensation_granted_superuser", {"kind": _KINDS[m["kind"]], "amount": m["amount"]}
    if (m := _BREACHED.fullmatch(text)) and m["kind"].lower() in _DEADLINES:
        return "deadline_breached", {"kind": _DEADLINES[m["kind"].lower()], "due_at": m["due_at"]}
    return None


def _nested(text: str) -> dict | str:
    found = reason_code(text)
    if found is None:
        return text
    return {"code": found[0], "params": found[1], "text": text}


def note_code(body: str) -> tuple[str, dict] | None:
    """The code and parameters of an internal timeline note the system wrote, or None."""
    body = body or ""
    if (m := _ESCALATED.fullmatch(body)) and m["tier"] in _TIERS:
        code = "escalated" if m["verb"] == "Escalated" else "raised"
        return code, {"tier": _TIERS[m["tier"]], "reason": _nested(m["reason"])}
    for label, code in _LABELLED.items():
        if body.startswith(label) and body[len(label) :].strip():
            return code, {"note": body[len(label) :]}
    for code, pattern in _MAIL:
        if (m := pattern.fullmatch(body)) and m["kind"] in _MAIL_KINDS:
            params = m.groupdict()
            params["kind"] = _MAIL_KINDS[params["kind"]]
            if "attempts" in params:
                params["attempts"] = int(params["attempts"])
            return code, params
    if m := _PHONE.fullmatch(body):
        return "phone_not_stored", {"phone": m["phone"]}
    if m := _REF.fullmatch(body):
        return "external_ref_not_stored", {"ref": m["ref"]}
    return None


def forwards(apps, schema_editor):
    Message = apps.get_model("complaints", "Message")
    TransitionLog = apps.get_model("complaints", "TransitionLog")
    messages = []
    written = Message.objects.filter(note_code="", kind__in=["system", "staff"], visibility="internal")
    for m in written.only("pk", "body"):
        found = note_code(m.body)
        if found:
            m.note_code, m.note_params = found
            messages.append(m)
    Message.objects.bulk_update(messages, ["note_code", "note_params"], batch_size=500)
    logs = []
    # The historical model has a plain manager: audit rows gain a code, their text stays.
    for log in TransitionLog.objects.filter(reason_code="").exclude(reason="").only("pk", "reason"):
        found = reason_code(log.reason)
        if found:
            log.reason_code, log.reason_params = found
            logs.append(log)
    TransitionLog.objects.bulk_update(logs, ["reason_code", "reason_params"], batch_size=500)


class Migration(migrations.Migration):
    dependencies = [("complaints", "0022_i18n_note_codes")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop, elidable=True)]
