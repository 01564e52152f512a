"""`HasScope`: the DRF permission that asks `api.scopes.has_scope` before a view runs.

`HasScope("complaints:read")` is a permission class; `HasScope(A, B)` is satisfied by either
scope; `methods=("POST",)` limits it to those methods, so one view lists one `HasScope` per
method and the OpenAPI schema (`api.schema`) reads the same declarations. A missing scope is a
403 `not_permitted` naming the scope (`fields.scope`); no credentials at all stays a 401.
Imports only `api.scopes` and `core` from the project.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.utils.translation import gettext as _
from rest_framework import permissions

from api import scopes as api_scopes
from core.errors import NotPermittedError


class _ScopePermission(permissions.BasePermission):
    scopes: tuple[str, ...] = ()
    methods: frozenset[str] | None = None

    @classmethod
    def applies_to(cls, method: str) -> bool:
        return cls.methods is None or method.upper() in cls.methods

    def has_permission(self, request, view) -> bool:
        if not self.applies_to(request.method):
            return True
        user = request.user
        if not getattr(user, "is_authenticated", False):
            return False  # DRF answers 401 with the challenge
        token = getattr(request, "auth", None)
        if any(api_scopes.has_scope(user=user, token=token, scope=s) for s in self.scopes):
            return True
        raise NotPermittedError(scope_refusal(self.scopes), fields={"scope": list(self.scopes)})


def scope_refusal(scopes: Iterable[str]) -> str:
    names = " or ".join(f"`{s}`" for s in scopes)
    return _(
        "This token lacks the scope %(scopes)s that this call needs; ask for a token that has it."
    ) % {"scopes": names}


def HasScope(*scopes: str, methods: Iterable[str] | None = None) -> type[_ScopePermission]:  # noqa: N802
    """A permission class requiring any one of `scopes` (for `methods`, or every method)."""
    unknown = [s for s in scopes if s not in api_scopes.SCOPES]
    if not scopes or unknown:
        raise ValueError(f"HasScope needs known scopes, got {scopes!r}")
    label = "_or_".join(s.replace(":", "_") for s in scopes)
    return type(
        f"HasScope_{label}",
        (_ScopePermission,),
        {
            "scopes": tuple(scopes),
            "methods": frozenset(m.upper() for m in methods) if methods is not None else None,
        },
    )


def required_scopes(view, method: str) -> list[tuple[str, ...]]:
    """The scope groups a view's permissions demand for `method`: every group must be met, by
    any one scope in it."""
    return [
        permission.scopes
        for permission in getattr(view, "permission_classes", ())
        if isinstance(permission, type)
        and issubclass(permission, _ScopePermission)
        and permission.applies_to(method)
    ]
