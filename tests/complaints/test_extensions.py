"""complaints.extensions: each point refuses a second provider, the project fills them all, the API
and the admin share one handler, complaints' own ComplaintAdmin is the one registered, and no
module writes into another app's modules (a source scan)."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest
from django.contrib import admin
from django.core.exceptions import ImproperlyConfigured

from api.services import api_token_issue
from complaints import extensions, services
from complaints.admin import ComplaintAdmin
from complaints.models import Complaint

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = {p.parent.name for p in ROOT.glob("*/__init__.py")} - {"tests"}


def nothing(*args, **kwargs):
    return None


def other(*args, **kwargs):
    return None


# --- one provider each ------------------------------------------------------------------------

EMPTY = {
    "detail_sections": {"deadlines": None, "compensation_requests": None},
    "remedy_handler": None,
    "approve_handler": None,
    "return_handler": None,
    "admin_actions": {"remedy": None},
    "hide_admin_actions": [],
    "complaint_panels": [],
    "dashboard_panels": [],
}


@pytest.mark.parametrize(
    "register, second",
    [
        (extensions.detail_section("deadlines"), other),  # another function, the same name
        (extensions.remedy_handler, other),  # a second provider
        (extensions.approve_handler, other),
        (extensions.return_handler, other),
        (extensions.hide_admin_actions, nothing),  # the same function twice
        (extensions.complaint_panel, nothing),
        (extensions.dashboard_panel, nothing),
    ],
    ids=["section", "remedy", "approve", "return", "hide", "complaint_panel", "dashboard_panel"],
)
def test_each_registry_refuses_a_duplicate(register, second):
    with extensions.override(**EMPTY):
        register(nothing)
        with pytest.raises(ImproperlyConfigured):
            register(second)


def test_admin_action_changes_only_a_declared_entry_once():
    with extensions.override(**EMPTY):
        extensions.admin_action("take", label="Mine now")
        with pytest.raises(ImproperlyConfigured):
            extensions.admin_action("take", style="primary")
        with pytest.raises(ImproperlyConfigured):
            extensions.admin_action("no_such_button", label="?")
        with pytest.raises(ImproperlyConfigured):
            extensions.admin_action("reopen")  # changes nothing


def test_the_apps_hold_their_points_and_a_second_provider_is_refused():
    from compensation import services as compensation_services

    assert list(extensions.detail_sections()) == ["deadlines", "compensation_requests", "regime"]
    with pytest.raises(ImproperlyConfigured):
        extensions.remedy_handler(compensation_services.complaint_remedy_with_compensation)
    with pytest.raises(ImproperlyConfigured):
        extensions.detail_section("deadlines")(nothing)
    names = [f.__module__ for f in extensions.dashboard_panels()]
    # Registration order: compensation's granted panel, then its outcome split; then portal's.
    assert names == ["escalation.admin", "compensation.admin", "compensation.admin", "portal.admin"]
    assert [f.__module__ for f in extensions.complaint_panels()] == [
        "escalation.admin",
        "compensation.admin",
        "portal.admin",
        "mail.admin",
        "regimes.admin",
        "letters.admin",
    ]


def test_override_restores_everything_even_what_was_registered_inside():
    before = (
        dict(extensions.detail_sections()),
        extensions.complaint_panels(),
        extensions.dashboard_panels(),
        dict(extensions.admin_action_changes()),
        extensions.remedy_handler_registered(),
    )
    with extensions.override(remedy_handler=None, complaint_panels=[]):
        assert not extensions.remedy_handler_registered()
        extensions.complaint_panel(nothing)
        extensions.detail_section("extra")(nothing)
    after = (
        dict(extensions.detail_sections()),
        extensions.complaint_panels(),
        extensions.dashboard_panels(),
        dict(extensions.admin_action_changes()),
        extensions.remedy_handler_registered(),
    )
    assert after == before


# --- one handler, two doors ---------------------------------------------------------------------

GIFT = {"kind": "gift", "amount": "3.50", "currency": "EUR", "quantity": 1, "note": ""}


@pytest.mark.django_db
def test_api_and_admin_remedy_call_the_same_handler(client, frontline, walk):
    calls = []

    def handler(*, items, **kwargs):
        calls.append(items)
        return services.complaint_remedy(**kwargs)

    by_api, by_admin = walk("apologized"), walk("apologized")
    key = api_token_issue(user=frontline)[1]
    client.force_login(frontline)
    with extensions.override(remedy_handler=handler):
        response = client.post(
            f"/api/v1/complaints/{by_api.pk}/remedy/",
            json.dumps(
                {"message": "m", "root_cause": "r", "outcome": "upheld", "compensations": [GIFT]}
            ),
            content_type="application/json",
            headers={"Authorization": f"Token {key}"},
        )
        assert response.status_code == 200, response.content
        url = f"/admin/complaints/complaint/{by_admin.pk}/do/remedy/"
        assert (
            client.post(url, {"message": "m", "root_cause": "r", "outcome": "upheld"}).status_code
            == 302
        )
    assert len(calls) == 2 and calls[1] == []
    assert set(Complaint.objects.values_list("state", flat=True)) == {"remedied"}


@pytest.mark.django_db
def test_without_a_provider_the_plain_services_run(client, frontline, walk):
    complaint = walk("apologized")
    client.force_login(frontline)
    with extensions.override(remedy_handler=None):
        key = api_token_issue(user=frontline)[1]
        refused = client.post(
            f"/api/v1/complaints/{complaint.pk}/remedy/",
            json.dumps(
                {"message": "m", "root_cause": "r", "outcome": "upheld", "compensations": [GIFT]}
            ),
            content_type="application/json",
            headers={"Authorization": f"Token {key}"},
        )
        assert refused.status_code == 422
        assert list(refused.json()["fields"]) == ["compensations"]
        extensions.complaint_remedy(
            outcome="upheld",
            complaint_id=complaint.pk,
            actor=frontline,
            message="m",
            root_cause="r",
        )
    assert Complaint.objects.get(pk=complaint.pk).state == "remedied"


# --- the admin registry ---------------------------------------------------------------------------


def test_the_complaint_admin_is_complaints_own_and_each_admin_belongs_to_its_app():
    assert type(admin.site._registry[Complaint]) is ComplaintAdmin
    for model, model_admin in admin.site._registry.items():
        if model._meta.app_label in PACKAGES:
            owner = type(model_admin).__module__.split(".")[0]
            assert owner == model._meta.app_label, (model, type(model_admin))


# --- the source scan: nobody writes into another app's modules ------------------------------------

MUTATORS = {
    "update",
    "setdefault",
    "append",
    "extend",
    "insert",
    "pop",
    "popitem",
    "clear",
    "remove",
    "add",
    "discard",
    "__setitem__",
    "__delitem__",
}


def _dotted(node: ast.AST) -> str | None:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    return ".".join([node.id, *reversed(parts)])


def foreign_writes(source: str, *, app: str) -> list[str]:
    """Lines of `source` (a file of `app`) that assign, delete or mutate an attribute of something
    imported from another project app, or unregister from an admin site."""
    tree = ast.parse(source)
    bound: dict[str, str] = {}  # every import in the file, at any depth: name -> dotted origin
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    bound[alias.asname] = alias.name
                else:
                    top = alias.name.split(".")[0]
                    bound[top] = top
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            for alias in node.names:
                bound[alias.asname or alias.name] = f"{node.module}.{alias.name}"

    def foreign(expr: ast.AST) -> bool:
        dotted = _dotted(expr)
        if dotted is None:
            return False
        head, _, rest = dotted.partition(".")
        if head not in bound:
            return False
        top = bound[head].split(".")[0]
        return top in PACKAGES and top != app

    def written(target: ast.AST) -> bool:
        if isinstance(target, (ast.Tuple, ast.List)):
            return any(written(t) for t in target.elts)
        if isinstance(target, ast.Starred):
            return written(target.value)
        return isinstance(target, (ast.Attribute, ast.Subscript)) and foreign(target.value)

    found = []
    for node in ast.walk(tree):
        targets: list[ast.AST] = []
        if isinstance(node, (ast.Assign, ast.Delete)):
            targets = node.targets
        elif isinstance(node, (ast.AugAssign, ast.AnnAssign)):
            targets = [node.target]
        if any(written(t) for t in targets):
            found.append(ast.unparse(node))
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if isinstance(func, ast.Name) and func.id in ("setattr", "delattr") and node.args:
            if foreign(node.args[0]):
                found.append(ast.unparse(node))
        elif isinstance(func, ast.Attribute):
            if func.attr == "unregister" and (_dotted(func.value) or "").endswith("site"):
                found.append(ast.unparse(node))
            elif func.attr in MUTATORS and isinstance(func.value, ast.Attribute):
                if foreign(func.value):
                    found.append(ast.unparse(node))
    return found


def project_files() -> list[Path]:
    skip = {".venv", "tests", "node_modules", "test-artifacts"}
    return [
        path
        for path in ROOT.rglob("*.py")
        if not any(part in skip or part.startswith(".") for part in path.relative_to(ROOT).parts)
    ]


def test_no_module_writes_into_another_apps_modules():
    files = project_files()
    assert {"complaints", "escalation", "compensation"} <= {
        f.relative_to(ROOT).parts[0] for f in files
    }
    found = {}
    for path in files:
        rel = path.relative_to(ROOT)
        app = rel.parts[0] if len(rel.parts) > 1 else ""
        lines = foreign_writes(path.read_text(encoding="utf-8"), app=app)
        if lines:
            found[str(rel)] = lines
    assert found == {}


@pytest.mark.parametrize(
    "line",
    [
        "apis.REMEDY_WITH_COMPENSATION = remedy",
        'apis.DETAIL_SECTIONS["compensation_requests"] = lambda complaint, user: []',
        'setattr(apis, "RETURN_WITH_COMPENSATION", reject)',
        "apis.DETAIL_SECTIONS.update(deadlines=fn)",
        "complaints.apis.DETAIL_SECTIONS['deadlines'] = fn",
        "ComplaintAdmin.actions_by_name = {}",
        "admin.site.unregister(Complaint)",
    ],
)
def test_the_scan_catches_what_the_old_code_did(line):
    source = (
        "import complaints.apis\n"
        "from django.contrib import admin\n"
        "from complaints import apis\n"
        "from complaints.admin import ComplaintAdmin\n"
        f"def plug():\n    {line}\n"
    )
    assert foreign_writes(source, app="compensation") == [ast.unparse(ast.parse(line))]
    if "unregister" not in line:
        assert foreign_writes(source, app="complaints") == []  # an app may change its own
