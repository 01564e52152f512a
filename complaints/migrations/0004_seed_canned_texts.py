"""Seed good default canned texts (DESIGN §1): empathy, apology, remedy, limit setting.

Written in the practice's own voice: restate, own the fault, say what happens and by when, and
set limits only when the alternatives are exhausted. Managers edit or add to them in admin.
"""

from django.db import migrations

DEFAULTS = (
    ("empathy", 1, "I understand", "I understand how frustrating this is, and thank you for telling us. Let me make sure I have it right: …"),
    ("empathy", 2, "Happened to me too", "I understand — I once had something arrive incomplete myself, so I know how annoying it is."),
    ("empathy", 3, "Restate the key points", "So that I get this right for you: … Is that correct?"),
    ("apology", 1, "Our mistake", "I am sorry. This was our mistake: … It should not have happened."),
    ("apology", 2, "Sorry for the trouble", "I am sorry for the trouble this has caused you, and for the time it has taken."),
    ("apology", 3, "Not yet sure why", "I am sorry this happened. We do not know yet what went wrong; I will find out and tell you by …"),
    ("remedy", 1, "Sending it now", "Here is what I will do: we are sending … by express today, so it reaches you by …"),
    ("remedy", 2, "Refund", "I have refunded … to your original payment method; you will usually see it within a few days."),
    ("remedy", 3, "A small thank-you", "As a thank-you for your patience, we are adding … to your parcel."),
    ("limit_setting", 1, "Offers made", "We have offered …, … and …. I am afraid we cannot do more than that, and I will close this conversation now. If anything new comes up, you are welcome to write to us again."),
    ("limit_setting", 2, "Respectful tone", "I want to help you, and I can do so when we keep this conversation respectful. If the threats continue, I will end our conversation here."),
)


def seed(apps, schema_editor):
    CannedText = apps.get_model("complaints", "CannedText")
    for kind, position, title, body in DEFAULTS:
        CannedText.objects.get_or_create(
            kind=kind, title=title, defaults={"body": body, "position": position}
        )


def unseed(apps, schema_editor):
    CannedText = apps.get_model("complaints", "CannedText")
    for kind, _position, title, _body in DEFAULTS:
        CannedText.objects.filter(kind=kind, title=title).delete()


class Migration(migrations.Migration):
    dependencies = [("complaints", "0003_canned_text")]
    operations = [migrations.RunPython(seed, unseed)]
