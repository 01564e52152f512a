"""Path converters every app's API URLs share. Importing this module registers them."""

from django.urls import register_converter


class IdConverter:
    """A database id: at most 18 digits, so no lookup overflows a 64-bit column."""

    regex = "[0-9]{1,18}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int) -> str:
        return str(value)


register_converter(IdConverter, "id")
