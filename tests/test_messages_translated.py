"""Every refusal goes through gettext: a scan of the source, so a new bare message fails here.

It reads the apps' modules (migrations aside) and finds every construction of a DomainError
(`raise NotPermittedError(...)`, `return ConflictError(...)`): its message and any per-field
message written in place must not be a bare string or f-string. The API's permission classes'
`message` and the errors' `default_message` must be translatable too.
"""

from __future__ import annotations

import ast
from pathlib import Path

from core import errors

ROOT = Path(__file__).resolve().parent.parent
APPS = ("core", "api", "webhooks", "complaints", "escalation", "compensation", "mail")


def _subclasses(cls: type) -> set[str]:
    found = {cls.__name__}
    for sub in cls.__subclasses__():
        found |= _subclasses(sub)
    return found


DOMAIN_ERRORS = _subclasses(errors.DomainError)


def _name(node: ast.AST) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return ""


def _bare(node: ast.AST | None) -> bool:
    """A literal string, an f-string, or a sum of them: text no translator ever sees."""
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str) and node.value != ""
    if isinstance(node, ast.JoinedStr):
        return True
    if isinstance(node, ast.BinOp):
        return _bare(node.left) or _bare(node.right)
    return False


def bare_messages(source: str, filename: str = "<source>") -> list[str]:
    """'file:line: what' for every untranslated message in `source`."""
    found = []
    for node in ast.walk(ast.parse(source, filename)):
        if isinstance(node, ast.Call) and _name(node.func) in DOMAIN_ERRORS:
            message = node.args[0] if node.args else None
            for kw in node.keywords:
                if kw.arg == "message":
                    message = kw.value
                if kw.arg == "fields" and isinstance(kw.value, ast.Dict):
                    for value in kw.value.values:
                        items = value.elts if isinstance(value, (ast.List, ast.Tuple)) else [value]
                        if any(_bare(item) for item in items):
                            found.append(f"{filename}:{node.lineno}: bare field message")
            if _bare(message):
                found.append(f"{filename}:{node.lineno}: bare {_name(node.func)} message")
        if isinstance(node, ast.ClassDef):
            for statement in node.body:
                if (
                    isinstance(statement, ast.Assign)
                    and any(_name(t) in ("message", "default_message") for t in statement.targets)
                    and _bare(statement.value)
                    and (
                        any("Permission" in _name(b) for b in node.bases)
                        or node.name in DOMAIN_ERRORS
                        or any(_name(b) in DOMAIN_ERRORS for b in node.bases)
                    )
                ):
                    found.append(f"{filename}:{statement.lineno}: bare {node.name}.message")
    return found


def _modules() -> list[Path]:
    return [
        path
        for app in APPS
        for path in sorted((ROOT / app).rglob("*.py"))
        if "migrations" not in path.parts
    ]


def test_the_scan_finds_bare_messages():
    sample = """
class CanDoIt(permissions.BasePermission):
    message = "Nope."

class FancyError(NotPermittedError):
    default_message = "Nope."

def f(x):
    raise NotPermittedError("Your role may not do this.")
    raise errors.RuleViolationError(f"No {x}.", fields={"a": ["Bad."]})
    raise InvalidDataError(fields={"a": ["Bad " + x]})
    raise InvalidDataError(message="Bad.")
    return ConflictError("Gone.")
    raise NotPermittedError(_("Fine: translated."), fields={"a": [_("Fine.")]})
    raise NotPermittedError(roles.staff_refusal(x))
    raise ConflictError()
    raise ValueError("not a refusal")
"""
    found = bare_messages(sample)
    assert len(found) == 8, found
    assert not any(":15:" in f or ":16:" in f or ":17:" in f or ":18:" in f for f in found)


def test_every_domain_error_message_passes_through_gettext():
    modules = _modules()
    assert len(modules) > 50  # the scan read the apps, not nothing
    found = [
        hit
        for path in modules
        for hit in bare_messages(path.read_text(encoding="utf-8"), str(path.relative_to(ROOT)))
    ]
    assert found == [], "\n".join(found)
