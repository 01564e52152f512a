"""factory_boy factories and helpers that walk a complaint into any state through the services."""

from datetime import timedelta

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone

from complaints import services
from complaints.models import Complaint, Customer


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    is_staff = True
    password = factory.PostGenerationMethodCall("set_password", "pw")

    @factory.post_generation
    def groups(self, create, extracted, **kwargs):
        self.save()
        for name in extracted or []:
            # get_or_create: transactional tests flush the rows the data migration made.
            self.groups.add(Group.objects.get_or_create(name=name)[0])


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer

    name = factory.Sequence(lambda n: f"Customer {n}")
    email = factory.Sequence(lambda n: f"customer{n}@example.com")


def _staff(username: str, group: str):
    return UserFactory(username=username, groups=[group])


def complaint_new(**kwargs) -> Complaint:
    n = Complaint.objects.count()
    values = {
        "customer_name": f"Customer {n}",
        "customer_email": f"c{n}@example.com",
        "subject": "Coconut opener missing",
        "description": "Your shop has really taken me for a ride!",
        "category": "missing_item",
    }
    values.update(kwargs)
    complaint, _ = services.complaint_intake(**values)
    return complaint


def complaint_in(state: str, **kwargs) -> Complaint:
    """A complaint brought into `state` through the same services staff use."""
    fl = _staff("walker", "frontline")
    c = complaint_new(**kwargs)
    cid = c.pk
    promise = timezone.now() + timedelta(days=2)
    if state == "venting":
        return c
    if state == "escalated":
        return services.complaint_escalate(complaint_id=cid, actor=fl, reason="Needs a lead")
    services.complaint_acknowledge(
        complaint_id=cid,
        actor=fl,
        summary="Opener missing",
        message="I understand.",
        promised_by=promise,
    )
    if state == "acknowledged":
        return Complaint.objects.get(pk=cid)
    if state == "limit_set":
        return services.complaint_set_limits(
            outcome="not_upheld",
            outcome_reason="Limits set.",
            complaint_id=cid,
            actor=fl,
            reason="Abuse",
            message="We end this here.",
        )
    services.complaint_apologize(complaint_id=cid, actor=fl, message="Sorry.", fault="company")
    if state == "apologized":
        return Complaint.objects.get(pk=cid)
    if state == "remedied":
        return services.complaint_remedy(
            outcome="upheld",
            complaint_id=cid,
            actor=fl,
            message="Opener sent.",
            root_cause="Packing",
        )
    raise ValueError(state)


# --- files for attachment tests ------------------------------------------------------------------

ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 56  # the head of a 64-bit Linux program
PE = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 120  # the head of a Windows program


def png_bytes(size: tuple[int, int] = (640, 480), color: str = "orange") -> bytes:
    """A real PNG picture (Pillow), larger than a thumbnail."""
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, format="PNG")
    return out.getvalue()


def zip_bytes(members: dict[str, bytes], *, encrypted: bool = False) -> bytes:
    """A zip archive of `members`; `encrypted` sets the encryption flag on every member (what
    a password-protected zip declares), which is all the inspection needs to see."""
    import io
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    data = bytearray(out.getvalue())
    if encrypted:  # zipfile writes no encrypted members: set the flag in both headers
        for signature, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
            at = data.find(signature)
            while at != -1:
                data[at + offset] |= 0x1
                at = data.find(signature, at + 4)
    return bytes(data)
