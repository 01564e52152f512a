from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CompensationConfig(AppConfig):
    name = "compensation"
    verbose_name = _("Compensation")

    def ready(self) -> None:
        from compensation import reactions

        reactions.register()
        _plug_into_complaints_api()


def _plug_into_complaints_api() -> None:
    """The complaints API stays ignorant of this app; these hooks add compensation to it."""
    from compensation import selectors, serializers, services
    from complaints import apis
    from core.errors import InvalidDataError

    def remedy(*, compensations, **kw):
        try:
            return services.complaint_remedy_with_compensation(items=compensations, **kw)
        except InvalidDataError as error:
            # The API calls the list `compensations` and counts from 0.
            raise InvalidDataError(error.message, fields=_api_fields(error.fields)) from None

    apis.REMEDY_WITH_COMPENSATION = remedy
    apis.RETURN_WITH_COMPENSATION = services.complaint_compensation_reject
    apis.DETAIL_SECTIONS["compensation_requests"] = lambda complaint, user: (
        serializers.compensation_section(
            selectors.complaint_compensation_requests(complaint_id=complaint.pk)
        )
    )


def _api_fields(fields: dict[str, list[str]]) -> dict[str, list[str]]:
    renamed = {}
    for key, messages in fields.items():
        parts = key.split(".")
        if parts[0] == "items" and len(parts) > 1 and parts[1].isdigit():
            parts = ["compensations", str(int(parts[1]) - 1), *parts[2:]]
        elif parts[0] == "items":
            parts[0] = "compensations"
        renamed[".".join(parts)] = messages
    return renamed
