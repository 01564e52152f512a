"""No tables of its own: `ComplaintsReturn` is a proxy of the complaint, only so the return has
its entry and page in the admin (`reports.admin`)."""

from django.utils.translation import gettext_lazy as _

from complaints.models import Complaint


class ComplaintsReturn(Complaint):
    class Meta:
        proxy = True
        verbose_name = _("complaints return")
        verbose_name_plural = _("complaints return")
