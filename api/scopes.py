"""What an API token may do: its scopes, and the one pure check every door uses.

A token carries a list of scopes drawn from `SCOPES`. What a caller may do is the scopes of its
token that its user's role still allows (`scopes_of`): a token never outgrows its user, and a
staff user who loses the role loses the `staff` scope with it. A session (the browsable docs, a
staff member signed in) has every scope its role allows. `HasScope` (in `api.permissions`)
wraps `has_scope` for DRF; the OpenAPI schema reads the same declarations.

Pure: no database access beyond `core.roles` reading a user's groups once. Imports only core.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.utils.translation import gettext_lazy as _

from core import roles

COMPLAINTS_READ = "complaints:read"
COMPLAINTS_FILE = "complaints:file"
CUSTOMER_ACT = "customer:act"
CUSTOMER_RESPOND = "customer:respond"
WEBHOOKS_MANAGE = "webhooks:manage"
STAFF = "staff"
PERSONAL_DATA = "personal_data"

SCOPES: dict[str, Any] = {
    COMPLAINTS_READ: _("Read your complaints (the customer-safe view for integrations)."),
    COMPLAINTS_FILE: _("File complaints."),
    CUSTOMER_ACT: _("Act for the customer: send their messages, reopen their complaint."),
    CUSTOMER_RESPOND: _(
        "Answer for the customer: confirm or correct the summary, accept or decline the remedy, "
        "rate the handling."
    ),
    WEBHOOKS_MANAGE: _("Subscribe to webhooks and read their delivery log."),
    STAFF: _(
        "Act as the token's staff user: transitions, internal notes, compensation, approvals "
        "(staff users only)."
    ),
    PERSONAL_DATA: _(
        "Export or anonymise a customer's personal data (staff users only; managers and above "
        "may use it)."
    ),
}
INTEGRATION_SCOPES: tuple[str, ...] = (
    COMPLAINTS_READ,
    COMPLAINTS_FILE,
    CUSTOMER_ACT,
    CUSTOMER_RESPOND,
    WEBHOOKS_MANAGE,
)
STAFF_SCOPES: tuple[str, ...] = (*INTEGRATION_SCOPES, STAFF, PERSONAL_DATA)


def scopes_allowed(user: Any) -> tuple[str, ...]:
    """The scopes `user`'s role allows, in `SCOPES` order: staff all, integrations all but
    `staff`, anyone else none."""
    if roles.is_agent(user):
        return STAFF_SCOPES
    if roles.is_integration(user):
        return INTEGRATION_SCOPES
    return ()


def scopes_refused(*, user: Any, scopes: Iterable[str]) -> list[str]:
    """Why `scopes` cannot be given to a token of `user` (empty when they can)."""
    wanted = list(scopes)
    problems = []
    unknown = [s for s in wanted if s not in SCOPES]
    if unknown:
        problems.append(
            str(_("Unknown scopes: %(unknown)s. Choose from: %(known)s."))
            % {"unknown": ", ".join(map(str, unknown)), "known": ", ".join(SCOPES)}
        )
    allowed = scopes_allowed(user)
    beyond = [s for s in wanted if s in SCOPES and s not in allowed]
    if beyond:
        problems.append(
            str(_("The user's role does not allow %(beyond)s; it allows: %(allowed)s."))
            % {"beyond": ", ".join(beyond), "allowed": ", ".join(allowed) or "-"}
        )
    return problems


def scopes_normalize(scopes: Iterable[str]) -> list[str]:
    """Known scopes, each once, in `SCOPES` order."""
    wanted = set(scopes)
    return [s for s in SCOPES if s in wanted]


def scopes_of(*, user: Any, token: Any = None) -> frozenset[str]:
    """What the caller may do: a session has its role's scopes; a token, those of its scopes
    its user's role still allows."""
    allowed = scopes_allowed(user)
    if token is None or not hasattr(token, "scopes"):
        return frozenset(allowed)
    return frozenset(s for s in token.scopes if s in allowed)


def has_scope(*, user: Any, token: Any, scope: str) -> bool:
    return scope in scopes_of(user=user, token=token)


def acts_as_staff(*, user: Any, token: Any) -> bool:
    """Staff working as themselves (the staff view, internal notes): a staff user on a session,
    or with a token holding `staff`."""
    return roles.is_agent(user) and has_scope(user=user, token=token, scope=STAFF)
