"""The one family of domain errors that services raise.

Each error carries a stable `code`, an HTTP `status` and optional per-field messages, so the API's
exception handler and the admin can render any of them without knowing the service that raised it.
Services raise these and nothing from DRF; this module imports nothing from the project.
Messages are sentences in the active language (the request's): a service passes `gettext(...)`,
and the defaults below are translated when the error is raised.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _


class DomainError(Exception):
    code = "domain_error"
    status = 400
    default_message = _("The request could not be carried out; check it and try again.")

    def __init__(self, message: str | None = None, *, fields: dict[str, list[str]] | None = None):
        self.message = str(message or self.default_message)
        self.fields = {
            name: [str(messages)] if isinstance(messages, str) else [str(m) for m in messages]
            for name, messages in (fields or {}).items()
        }
        super().__init__(self.message)

    def as_dict(self) -> dict:
        return {"code": self.code, "message": self.message, "fields": self.fields}


class InvalidDataError(DomainError):
    """The input itself is malformed or incomplete (HTTP 400)."""

    code = "invalid"
    status = 400
    default_message = _("Some fields are missing or invalid: correct them and send it again.")


class NotPermittedError(DomainError):
    """The actor's role does not allow this (HTTP 403)."""

    code = "not_permitted"
    status = 403
    default_message = _("Your role does not allow this: ask a team lead or a manager.")


class NotFoundError(DomainError):
    code = "not_found"
    status = 404
    default_message = _("Nothing was found here: check the address or the id.")


class ConflictError(DomainError):
    """Someone else changed the object first (HTTP 409)."""

    code = "conflict"
    status = 409
    default_message = _("The complaint was changed by someone else: reload it and try again.")


class InvalidTransitionError(ConflictError):
    """The transition is not allowed from the complaint's current state (HTTP 409)."""

    code = "invalid_transition"
    default_message = _(
        "This is not possible in the complaint's current state: reload it to see what is."
    )


class RuleViolationError(DomainError):
    """A business rule refused an otherwise well-formed request (HTTP 422)."""

    code = "rule_violated"
    status = 422
    default_message = _("A business rule does not allow this; see the details and adjust it.")
